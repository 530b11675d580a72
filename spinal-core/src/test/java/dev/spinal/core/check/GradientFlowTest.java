package dev.spinal.core.check;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spinal.core.GraphContext;
import dev.spinal.core.heads.BuiltHead;
import dev.spinal.core.heads.HeadKind;
import dev.spinal.core.heads.HeadSpec;
import dev.spinal.core.layers.Activation;
import dev.spinal.core.losses.CrossEntropy;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The paper's gradient-highway claim as a measurement. At depth 16, at initialization, on one batch
 * of random features: the first layer of a ProgressiveSpinal head keeps a weight-gradient norm
 * within a bounded factor of its last hidden layer's, because the output layer reads y1 directly;
 * a plain deep sigmoid MLP's first-layer gradient is orders of magnitude below its last layer's.
 */
class GradientFlowTest {

  static final int DEPTH = 16;
  static final int BATCH = 64;
  static final int FEATURES = 64;

  static GradientFlow.Report measure(HeadKind kind, Activation activation) {
    HeadSpec spec =
        HeadSpec.builder()
            .inputSize(FEATURES)
            .width(32)
            .depth(DEPTH)
            .classes(10)
            .dropout(0)
            .activation(activation)
            .build();
    Random random = new Random(5);
    float[] x = new float[BATCH * FEATURES];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) random.nextGaussian();
    }
    int[] y = new int[BATCH];
    for (int i = 0; i < BATCH; i++) {
      y[i] = random.nextInt(10);
    }
    try (Graph graph = new Graph()) {
      GraphContext ctx = GraphContext.create(graph, 11);
      Placeholder<TFloat32> features =
          ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, FEATURES)));
      Placeholder<TInt32> labels =
          ctx.tf().placeholder(TInt32.class, Placeholder.shape(Shape.of(-1)));
      BuiltHead<TFloat32> head = kind.create(spec).build(ctx, features);
      GradientFlow flow =
          GradientFlow.build(graph, CrossEntropy.mean(ctx.tf(), labels, head.logits()), head.layers());
      try (Session session = new Session(graph);
          TFloat32 xs = TFloat32.tensorOf(Shape.of(BATCH, FEATURES), DataBuffers.of(x, true, false));
          TInt32 ys = TInt32.tensorOf(Shape.of(BATCH), DataBuffers.of(y, true, false))) {
        GradientFlow.Report report = flow.measure(session, Map.of(features, xs, labels, ys));
        System.out.printf("%s %s, depth %d%n%s", kind, activation, DEPTH, report.table());
        return report;
      }
    }
  }

  /** first hidden layer over last hidden layer (the output layer is last in the report). */
  static double firstOverLastHidden(GradientFlow.Report r) {
    return r.firstOver(r.layers().size() - 2);
  }

  @Test
  void progressiveHeadKeepsTheFirstLayersGradientWhileADeepSigmoidMlpLosesIt() {
    GradientFlow.Report progressiveSigmoid = measure(HeadKind.PROGRESSIVE, Activation.SIGMOID);
    GradientFlow.Report progressiveRelu = measure(HeadKind.PROGRESSIVE, Activation.RELU);
    GradientFlow.Report denseSigmoid = measure(HeadKind.DENSE, Activation.SIGMOID);
    GradientFlow.Report denseRelu = measure(HeadKind.DENSE, Activation.RELU);

    System.out.printf(
        "%nfirst/last hidden-layer gradient norm at depth %d:%n"
            + "  progressive sigmoid %.3e%n  progressive relu    %.3e%n"
            + "  dense sigmoid       %.3e%n  dense relu          %.3e%n",
        DEPTH,
        firstOverLastHidden(progressiveSigmoid),
        firstOverLastHidden(progressiveRelu),
        firstOverLastHidden(denseSigmoid),
        firstOverLastHidden(denseRelu));

    assertThat(progressiveSigmoid.layers()).hasSize(DEPTH + 1);
    assertThat(firstOverLastHidden(progressiveSigmoid)).isBetween(0.1, 10.0);
    assertThat(firstOverLastHidden(progressiveRelu)).isBetween(0.1, 10.0);
    assertThat(firstOverLastHidden(denseSigmoid)).isLessThan(1e-4);
  }
}
