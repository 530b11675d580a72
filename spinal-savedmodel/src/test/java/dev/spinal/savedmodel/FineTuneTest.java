package dev.spinal.savedmodel;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Which weights a fine-tuning run trains, on MobileNetV2 (52 batch norms: 52 kernels, 52 gamma, 52
 * beta, 104 moving statistics) in both export formats.
 */
class FineTuneTest {

  static final Path MODELS = SavedModelBackboneTest.MODELS;

  @ParameterizedTest
  @CsvSource({
      "mobilenetv2-32, FROZEN, 0", "mobilenetv2-32, WEIGHTS, 52", "mobilenetv2-32, WEIGHTS_AND_BATCH_NORM, 156",
      "mobilenetv2-32-graph, WEIGHTS, 52", "mobilenetv2-32-graph, WEIGHTS_AND_BATCH_NORM, 156"})
  void batchNormIsFrozenUnlessAskedAndItsMovingStatisticsAlways(String name, FineTune fineTune, int trained) {
    SavedModelBackbone backbone = SavedModelBackbone.load(MODELS.resolve(name), 32, 32, 3, fineTune);
    assertThat(backbone.trainedWeights()).hasSize(trained);
    assertThat(backbone.trainedWeights()).noneMatch(n -> n.contains("moving_"));
    if (fineTune == FineTune.WEIGHTS) {
      assertThat(backbone.trainedWeights()).allMatch(n -> n.endsWith("kernel"));
    }
    assertThat(backbone.frozen()).isEqualTo(fineTune == FineTune.FROZEN);
  }

  @Test
  void normalizationParametersAreKerasGammaAndBeta() {
    assertThat(FineTune.isNormalizationParameter("bn_Conv1/gamma")).isTrue();
    assertThat(FineTune.isNormalizationParameter("weights.block_1_expand_BN.beta")).isTrue();
    assertThat(FineTune.isNormalizationParameter("Conv1/kernel")).isFalse();
    assertThat(FineTune.isNormalizationParameter("alphabeta/kernel")).isFalse();
    assertThat(FineTune.isNormalizationParameter("dense/gammas")).isFalse();
  }
}
