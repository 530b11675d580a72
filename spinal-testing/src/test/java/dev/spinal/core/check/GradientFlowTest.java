package dev.spinal.core.check;

import static dev.spinal.testing.SpinalAssertions.assertThat;

import dev.spinal.core.heads.HeadKind;
import dev.spinal.core.heads.HeadSpec;
import dev.spinal.core.layers.Activation;
import org.junit.jupiter.api.Test;

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
    GradientFlow.Report report =
        GradientFlow.ofHeadAtInitialization(kind.create(spec), BATCH, /* dataSeed */ 5, /* weightSeed */ 11);
    System.out.printf("%s %s, depth %d%n%s", kind, activation, DEPTH, report.table());
    return report;
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
        progressiveSigmoid.firstOverLastHidden(),
        progressiveRelu.firstOverLastHidden(),
        denseSigmoid.firstOverLastHidden(),
        denseRelu.firstOverLastHidden());

    assertThat(progressiveSigmoid).hasLayerCount(DEPTH + 1).firstOverLastHidden().isBetween(0.1, 10.0);
    assertThat(progressiveRelu).firstOverLastHidden().isBetween(0.1, 10.0);
    assertThat(denseSigmoid).firstOverLastHidden().isLessThan(1e-4);
  }
}
