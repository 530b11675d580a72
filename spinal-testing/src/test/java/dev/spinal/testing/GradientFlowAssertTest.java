package dev.spinal.testing;

import static dev.spinal.testing.SpinalAssertions.assertThat;
import static dev.spinal.testing.SpinalAssertions.assertThatThrownBy;

import dev.spinal.core.GraphContext;
import dev.spinal.core.check.GradientFlow;
import dev.spinal.core.heads.HeadKind;
import dev.spinal.core.heads.HeadSpec;
import dev.spinal.core.layers.Activation;
import dev.spinal.core.layers.Dense;
import dev.spinal.core.layers.WeightInit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * {@link GradientFlowAssert} on real reports: a depth-4 ProgressiveSpinal head with ReLU (a healthy
 * flow), a depth-16 dense sigmoid MLP (the vanishing gradient of GradientFlowTest), a layer whose
 * gradient is NaN ({@code sqrt} at 0), and hand-built reports for exact message formats.
 */
class GradientFlowAssertTest {

  static GradientFlow.Report healthy;
  static GradientFlow.Report vanishing;
  static GradientFlow.Report nan;

  static GradientFlow.Report atInitialization(HeadKind kind, int depth, Activation activation) {
    HeadSpec spec =
        HeadSpec.builder().inputSize(64).width(32).depth(depth).classes(10).dropout(0).activation(activation).build();
    return GradientFlow.ofHeadAtInitialization(kind.create(spec), 64, /* dataSeed */ 5, /* weightSeed */ 11);
  }

  /** {@code sum(sqrt(0 * (x W + b)))}: d sqrt(u)/du is infinite at 0, times 0 gives NaN for W. */
  static GradientFlow.Report nanReport() {
    try (Graph graph = new Graph()) {
      GraphContext ctx = GraphContext.switched(graph, 3);
      Ops tf = ctx.tf();
      Placeholder<TFloat32> x = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(2, 3)));
      Dense<TFloat32> dense =
          Dense.create(ctx.withSubScope("nan_head").withSubScope("layer1"), 3, 2, WeightInit.TORCH_DEFAULT, TFloat32.class);
      Operand<TFloat32> loss =
          tf.reduceSum(tf.math.sqrt(tf.math.mul(tf.constant(0f), dense.call(x))), tf.constant(new int[] {0, 1}));
      GradientFlow flow = GradientFlow.build(graph, loss, List.of(dense));
      try (Session session = new Session(graph);
          TFloat32 xs = TFloat32.tensorOf(Shape.of(2, 3), data -> data.setFloat(1f, 0, 0))) {
        session.initialize();
        return flow.measure(session, Map.of(x, xs));
      }
    }
  }

  @BeforeAll
  static void measure() {
    healthy = atInitialization(HeadKind.PROGRESSIVE, 4, Activation.RELU);
    vanishing = atInitialization(HeadKind.DENSE, 16, Activation.SIGMOID);
    nan = nanReport();
    System.out.print("healthy\n" + healthy.table() + "vanishing\n" + vanishing.table() + "nan\n" + nan.table());
  }

  static double norm(GradientFlow.Report report, String layer) {
    return report.layers().stream().filter(l -> l.layer().equals(layer)).findFirst().orElseThrow().norm();
  }

  @Test
  void ratioOfTwoLayersIsADoubleAssert() {
    assertThat(healthy).ratio("layer1", "layer4").isBetween(0.1, 10); // int bound: primitive overload
    assertThat(healthy).ratio("layer1", "layer4").isBetween(0.1, 10.0).isStrictlyBetween(0.1, 10).isPositive();
    double first = norm(vanishing, "dense_head/layer1/kernel");
    double last = norm(vanishing, "dense_head/layer16/kernel");
    assertThatThrownBy(() -> assertThat(vanishing).ratio("layer1", "layer16").isBetween(0.1, 10))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining(
            "[gradient flow: ||dL/dW|| of dense_head/layer1/kernel over dense_head/layer16/kernel ("
                + Format.measured(first) + " / " + Format.measured(last) + ")]")
        .hasMessageContaining(Double.toString(first / last))
        .hasMessageContaining("[0.1, 10.0]");
  }

  @Test
  void firstOverLastHiddenLeavesTheOutputLayerOut() {
    assertThat(healthy).firstOverLastHidden().isEqualTo(healthy.firstOverLastHidden()).isBetween(0.1, 10.0);
    assertThatThrownBy(() -> assertThat(vanishing).firstOverLastHidden().isGreaterThan(1e-4))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("||dL/dW|| of dense_head/layer1/kernel over dense_head/layer16/kernel")
        .hasMessageContaining(Double.toString(vanishing.firstOverLastHidden()));
    GradientFlow.Report single = new GradientFlow.Report(List.of(new GradientFlow.LayerNorm("output/kernel", 1)));
    assertThatThrownBy(() -> assertThat(single).firstOverLastHidden())
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("needs a hidden and an output layer, the report has 1: output/kernel");
  }

  @Test
  void layerIsTheNormOfOneKernelFoundByWholeSegments() {
    assertThat(healthy).layer("output").isPositive();
    // "layer1" is dense_head/layer1/kernel, not layer10..layer16
    double first = norm(vanishing, "dense_head/layer1/kernel");
    assertThatThrownBy(() -> assertThat(vanishing).layer("layer1").isGreaterThan(1))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("[gradient flow: ||dL/dW|| of dense_head/layer1/kernel]")
        .hasMessageContaining(Double.toString(first));
  }

  @Test
  void anUnknownLayerFailsWithTheReportsLayers() {
    assertThatThrownBy(() -> assertThat(healthy).ratio("layer1", "layer9"))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining(
            "gradient flow: no layer named layer9; known: progressive_spinal_head/layer1/kernel,"
                + " progressive_spinal_head/layer2/kernel, progressive_spinal_head/layer3/kernel,"
                + " progressive_spinal_head/layer4/kernel, progressive_spinal_head/output/kernel");
    assertThatThrownBy(() -> assertThat(healthy).layer("kernel"))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("gradient flow: kernel names 5 of them");
  }

  @Test
  void hasLayerCount() {
    assertThat(healthy).hasLayerCount(5);
    assertThatThrownBy(() -> assertThat(healthy).hasLayerCount(6))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("gradient flow: expected 6 layers, the report has 5: progressive_spinal_head/layer1/kernel,");
  }

  @Test
  void allNormsFinitePassesOnRealHeadsAndNamesANanLayer() {
    assertThat(healthy).allNormsFinite();
    assertThat(vanishing).allNormsFinite();
    assertThatThrownBy(() -> assertThat(nan).allNormsFinite())
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining(
            "gradient flow: ||dL/dW|| of nan_head/layer1/kernel is NaN, expected finite (1 of 1 layers not finite:"
                + " nan_head/layer1/kernel=NaN)");
    GradientFlow.Report infinite =
        new GradientFlow.Report(
            List.of(new GradientFlow.LayerNorm("a/kernel", 1), new GradientFlow.LayerNorm("b/kernel", Double.POSITIVE_INFINITY)));
    assertThatThrownBy(() -> assertThat(infinite).allNormsFinite())
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("||dL/dW|| of b/kernel is Infinity, expected finite");
  }

  @Test
  void noLayerBelowIsTheVanishingGradientCheck() {
    assertThat(healthy).noLayerBelow(1e-6);
    double first = norm(vanishing, "dense_head/layer1/kernel");
    assertThatThrownBy(() -> assertThat(vanishing).noLayerBelow(1e-6))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining(
            "gradient flow: ||dL/dW|| of dense_head/layer1/kernel is " + Format.measured(first)
                + ", expected at least 1.0e-6: a vanishing gradient (")
        .hasMessageContaining(" of 17 layers below: dense_head/layer1/kernel=");
    assertThatThrownBy(() -> assertThat(nan).noLayerBelow(0))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("||dL/dW|| of nan_head/layer1/kernel is NaN, expected at least 0.0");
  }

  @Test
  void theFailureMessageReadsAsDocumented() {
    GradientFlow.Report report =
        new GradientFlow.Report(
            List.of(
                new GradientFlow.LayerNorm("dense_head/layer1/kernel", 3.2e-9),
                new GradientFlow.LayerNorm("dense_head/layer2/kernel", 4e-7),
                new GradientFlow.LayerNorm("dense_head/output/kernel", 0.5)));
    assertThatThrownBy(() -> assertThat(report).noLayerBelow(1e-6))
        .isInstanceOf(AssertionError.class)
        .hasMessageStartingWith(
            "gradient flow: ||dL/dW|| of dense_head/layer1/kernel is 3.20e-9, expected at least 1.0e-6: a vanishing"
                + " gradient (2 of 3 layers below: dense_head/layer1/kernel=3.20e-9, dense_head/layer2/kernel=4.00e-7)");
  }

  @Test
  void anEmptyReportPassesNothing() {
    GradientFlow.Report empty = new GradientFlow.Report(List.of());
    assertThatThrownBy(() -> assertThat(empty).allNormsFinite())
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("gradient flow: the report has no layers");
    assertThatThrownBy(() -> assertThat(empty).noLayerBelow(0))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("gradient flow: the report has no layers");
  }

  @Test
  void theUsersDescriptionPrefixesNavigatedAssertions() {
    assertThatThrownBy(() -> assertThat(healthy).as("progressive, depth 4").ratio("layer1", "layer4").isNegative())
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("[progressive, depth 4: gradient flow: ||dL/dW|| of progressive_spinal_head/layer1/kernel");
  }

  @Test
  void aNullReportFails() {
    assertThatThrownBy(() -> assertThat((GradientFlow.Report) null).allNormsFinite())
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("Expecting actual not to be null");
  }
}
