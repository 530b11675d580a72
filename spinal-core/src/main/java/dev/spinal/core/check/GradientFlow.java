package dev.spinal.core.check;

import com.google.common.collect.ImmutableList;
import dev.spinal.core.GraphContext;
import dev.spinal.core.heads.BuiltHead;
import dev.spinal.core.heads.Head;
import dev.spinal.core.layers.Dense;
import dev.spinal.core.losses.CrossEntropy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Per-layer weight-gradient norms of a model on a batch: {@code ||dL/dW_l||_2} (Frobenius) for each
 * dense layer's kernel, input layer first. This is how the paper's "gradient highway" claim is
 * measured: in a ProgressiveSpinal head the first layer's norm stays within a small factor of the
 * last layer's, while a deep sigmoid MLP's decays by orders of magnitude.
 *
 * <pre>{@code
 * GradientFlow flow = GradientFlow.build(graph, loss, builtHead.layers());
 * GradientFlow.Report report = flow.measure(session, Map.of(features, x, labels, y));
 * System.out.print(report.table());
 * }</pre>
 */
public final class GradientFlow {

  private final List<String> names;
  private final List<Output<?>> gradients;

  private GradientFlow(List<String> names, List<Output<?>> gradients) {
    this.names = names;
    this.gradients = gradients;
  }

  /**
   * Adds the gradient ops of {@code loss} with respect to each layer's kernel to {@code graph}.
   *
   * @param loss a scalar
   * @param layers the layers to measure, in order (e.g. {@code BuiltHead.layers()})
   */
  public static GradientFlow build(Graph graph, Operand<?> loss, List<? extends Dense<?>> layers) {
    Output<?>[] kernels = layers.stream().map(l -> l.kernel().asOutput()).toArray(Output<?>[]::new);
    Output<?>[] grads = graph.addGradients(loss.asOutput(), kernels);
    List<String> names = new ArrayList<>();
    for (Dense<?> layer : layers) {
      names.add(layer.kernel().op().name());
    }
    return new GradientFlow(names, List.of(grads));
  }

  /** Runs the gradients once with {@code feeds} (the caller keeps ownership of the fed tensors). */
  public Report measure(Session session, Map<? extends Operand<?>, ? extends Tensor> feeds) {
    Session.Runner runner = session.runner();
    feeds.forEach(runner::feed);
    gradients.forEach(runner::fetch);
    List<LayerNorm> norms = new ArrayList<>();
    try (Result result = runner.run()) {
      for (int i = 0; i < gradients.size(); i++) {
        double sum = 0;
        for (double v : FloatingTensors.read(result.get(i))) {
          sum += v * v;
        }
        norms.add(new LayerNorm(names.get(i), Math.sqrt(sum)));
      }
    }
    return new Report(norms);
  }

  /**
   * The gradient-highway measurement of a head at initialization: {@code head} (classes from its
   * spec) built in a fresh graph with weight seed {@code weightSeed}, fed {@code batch} random
   * features (standard normal) and random labels drawn from {@code dataSeed}, through the mean
   * cross-entropy. What {@code spinal gradflow} prints and {@code GradientFlowTest} asserts.
   */
  public static Report ofHeadAtInitialization(Head head, int batch, long dataSeed, long weightSeed) {
    int inputSize = Math.toIntExact(head.inputSize());
    int classes = head.classes();
    Random random = new Random(dataSeed);
    float[] x = new float[batch * inputSize];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) random.nextGaussian();
    }
    int[] y = new int[batch];
    for (int i = 0; i < batch; i++) {
      y[i] = random.nextInt(classes);
    }
    try (Graph graph = new Graph()) {
      GraphContext ctx = GraphContext.switched(graph, weightSeed);
      Placeholder<TFloat32> features =
          ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, inputSize)));
      Placeholder<TInt32> labels = ctx.tf().placeholder(TInt32.class, Placeholder.shape(Shape.of(-1)));
      BuiltHead<TFloat32> built = head.build(ctx, features);
      GradientFlow flow = build(graph, CrossEntropy.mean(ctx.tf(), labels, built.logits()), built.layers());
      try (Session session = new Session(graph);
          TFloat32 xs = TFloat32.tensorOf(Shape.of(batch, inputSize), DataBuffers.of(x, true, false));
          TInt32 ys = TInt32.tensorOf(Shape.of(batch), DataBuffers.of(y, true, false))) {
        return flow.measure(session, Map.of(features, xs, labels, ys));
      }
    }
  }

  /** The gradient norm of one layer's kernel. */
  public record LayerNorm(String layer, double norm) {}

  /** Norms from input layer to output layer. */
  public record Report(List<LayerNorm> layers) {
    public Report {
      layers = ImmutableList.copyOf(layers);
    }

    /** {@code norm(first) / norm(layer at index)}; e.g. index {@code size-2} is the last hidden layer. */
    public double firstOver(int index) {
      return layers.get(0).norm() / layers.get(index).norm();
    }

    /** First hidden layer over last hidden layer (the output layer is last in the report). */
    public double firstOverLastHidden() {
      return firstOver(layers.size() - 2);
    }

    public String table() {
      StringBuilder sb = new StringBuilder(String.format("%-44s %14s%n", "layer kernel", "||dL/dW||"));
      for (LayerNorm l : layers) {
        sb.append(String.format("%-44s %14.6e%n", l.layer(), l.norm()));
      }
      return sb.toString();
    }
  }
}
