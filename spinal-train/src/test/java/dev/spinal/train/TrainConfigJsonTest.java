package dev.spinal.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

/** A run's settings as {@code config.json} keeps them, including files written before a setting existed. */
class TrainConfigJsonTest {

  private static TrainConfig config() {
    return Recipe.FASHION_MNIST_VGG5.config().toBuilder().augmentation(AugmentPolicy.CROP_FLIP_ERASE)
        .labelSmoothing(0.1).weightDecay(5e-4).testTimeAugmentation(TestTimeAugmentation.FLIP).weightAverage(0.999)
        .evaluateEvery(3).earlyStopping(4).build();
  }

  @Test
  void regularizationSettingsRoundTrip() throws Exception {
    String json = Checkpoints.JSON.writeValueAsString(config());
    var tree = Checkpoints.JSON.readTree(json);
    assertThat(tree.get("augmentation").asText()).isEqualTo("crop-flip-erase");
    assertThat(tree.get("labelSmoothing").asDouble()).isEqualTo(0.1);
    assertThat(tree.get("weightDecay").asDouble()).isEqualTo(5e-4);
    assertThat(tree.get("testTimeAugmentation").asText()).isEqualTo("flip");
    assertThat(tree.get("weightAverage").asDouble()).isEqualTo(0.999);
    assertThat(tree.get("evaluateEvery").asInt()).isEqualTo(3);
    assertThat(tree.get("earlyStopping").asInt()).isEqualTo(4);
    TrainConfig back = Checkpoints.JSON.readValue(json, TrainConfig.class);
    assertThat(back).isEqualTo(config());
    assertThat(Runs.trainer(back).build().labelSmoothing()).isEqualTo(0.1);
    assertThat(Runs.trainer(back).build().optimizer().weightDecay()).isEqualTo(5e-4);
    assertThat(Runs.trainer(back).build().augmentation()).hasSize(3);
    assertThat(Runs.trainer(back).build().testTimeAugmentation()).isEqualTo(TestTimeAugmentation.FLIP);
    assertThat(Runs.trainer(back).build().weightAverage()).isEqualTo(0.999);
    assertThat(Runs.trainer(back).build().evaluateEvery()).isEqualTo(3);
    assertThat(Runs.trainer(back).build().earlyStopping()).isEqualTo(4);
  }

  @Test
  void aConfigFromBeforeThePoliciesReadsItsAugmentFlag() throws Exception {
    ObjectNode json = (ObjectNode) Checkpoints.JSON.valueToTree(Recipe.FASHION_MNIST_VGG5.config());
    json.remove("augmentation");
    json.remove("labelSmoothing");
    json.remove("weightDecay");
    json.remove("testTimeAugmentation");
    json.remove("weightAverage");
    json.remove("evaluateEvery");
    json.remove("earlyStopping");
    json.put("augment", true);
    TrainConfig old = Checkpoints.JSON.treeToValue(json, TrainConfig.class);
    assertThat(old.augmentation()).isEqualTo(AugmentPolicy.PAPER);
    assertThat(old.labelSmoothing()).isZero();
    assertThat(old.weightDecay()).isZero();
    assertThat(old.testTimeAugmentation()).isEqualTo(TestTimeAugmentation.NONE);
    assertThat(old.weightAverage()).isZero();
    assertThat(old.evaluateEvery()).as("evaluated after every epoch").isEqualTo(1);
    assertThat(old.earlyStopping()).as("no early stopping").isZero();
    json.put("augment", false);
    assertThat(Checkpoints.JSON.treeToValue(json, TrainConfig.class).augmentation()).isEqualTo(AugmentPolicy.NONE);
  }

  @Test
  void outOfRangeSettingsNameTheirFlag() {
    assertThatThrownBy(() -> config().toBuilder().labelSmoothing(1).build())
        .hasMessage("--label-smoothing must be in [0, 1), got 1.0");
    assertThatThrownBy(() -> config().toBuilder().weightDecay(-0.1).build())
        .hasMessage("--weight-decay must be in [0, 1), got -0.1");
    assertThatThrownBy(() -> config().toBuilder().weightAverage(1).build())
        .hasMessage("--ema must be in (0, 1) (0.999 is usual) or 0 for none, got 1.0");
    assertThatThrownBy(() -> config().toBuilder().evaluateEvery(0).build())
        .hasMessage("--eval-every must be >= 1 (1: after every epoch), got 0");
    assertThatThrownBy(() -> AugmentPolicy.parse("mixup"))
        .hasMessage("unknown augmentation 'mixup'; expected none, paper, crop-flip-erase or crop-flip");
  }
}
