package dev.spinal.train.cli;

import dev.spinal.core.GraphContext;
import dev.spinal.core.check.GradientFlow;
import dev.spinal.core.heads.BuiltHead;
import dev.spinal.core.heads.HeadKind;
import dev.spinal.core.heads.HeadSpec;
import dev.spinal.core.layers.Activation;
import dev.spinal.core.losses.CrossEntropy;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code spinal gradflow}: per-layer gradient norms of the three heads at initialization. */
@Command(name = "gradflow", description = "Per-layer weight-gradient norms of the three heads on a random batch,"
    + " at initialization: the gradient-highway measurement.")
final class GradFlowCommand implements Callable<Integer> {

  @Option(names = "--depth", defaultValue = "16") int depth;
  @Option(names = "--width", defaultValue = "32") long width;
  @Option(names = "--input-size", defaultValue = "64") int inputSize;
  @Option(names = "--activation", defaultValue = "sigmoid") String activation;
  @Option(names = "--batch", defaultValue = "64") int batch;
  @Option(names = "--seed", defaultValue = "5") long seed;

  @Override
  public Integer call() {
    Activation act = Activation.valueOf(activation.toUpperCase(Locale.ROOT));
    System.out.printf("depth %d, width %d, %d-d features, %s, batch %d%n%n", depth, width, inputSize, act, batch);
    for (HeadKind kind : HeadKind.values()) {
      GradientFlow.Report r = measure(kind, act);
      System.out.println(kind.cliName());
      System.out.print(r.table());
      System.out.printf("first / last hidden layer: %.3e%n%n", r.firstOver(r.layers().size() - 2));
    }
    return 0;
  }

  GradientFlow.Report measure(HeadKind kind, Activation act) {
    HeadSpec spec = HeadSpec.builder().inputSize(inputSize).width(width).depth(depth).classes(10).dropout(0)
        .activation(act).build();
    Random random = new Random(seed);
    float[] x = new float[batch * inputSize];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) random.nextGaussian();
    }
    int[] y = new int[batch];
    for (int i = 0; i < batch; i++) {
      y[i] = random.nextInt(10);
    }
    try (Graph graph = new Graph()) {
      GraphContext ctx = GraphContext.create(graph, seed);
      Placeholder<TFloat32> features =
          ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, inputSize)));
      Placeholder<TInt32> labels = ctx.tf().placeholder(TInt32.class, Placeholder.shape(Shape.of(-1)));
      BuiltHead<TFloat32> head = kind.create(spec).build(ctx, features);
      GradientFlow flow = GradientFlow.build(graph, CrossEntropy.mean(ctx.tf(), labels, head.logits()), head.layers());
      try (Session session = new Session(graph);
          TFloat32 xs = TFloat32.tensorOf(Shape.of(batch, inputSize), DataBuffers.of(x, true, false));
          TInt32 ys = TInt32.tensorOf(Shape.of(batch), DataBuffers.of(y, true, false))) {
        return flow.measure(session, Map.of(features, xs, labels, ys));
      }
    }
  }
}
