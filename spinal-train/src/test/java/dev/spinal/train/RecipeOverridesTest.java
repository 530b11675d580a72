package dev.spinal.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a run changed of its recipe, and the notice of a substitute backbone. */
class RecipeOverridesTest {

  @Test
  void everyRecipeKnowsItsBackbone() {
    for (Recipe r : Recipe.values()) {
      assertThat(r.config().recipe()).isSameAs(r);
      assertThat(RecipeOverrides.of(r.config()).orElseThrow().changed()).as(r.cliName()).isEmpty();
    }
    assertThat(Recipe.STL10_WRN101.backbone()).isEqualTo(Recipe.WIDE_RESNET101);
    assertThat(Recipe.STL10_WRN101.backboneDescription()).isEqualTo("the paper's pretrained wide ResNet-101");
    assertThat(Recipe.KMNIST_VGG5.backboneDescription()).isEqualTo("VGG-5");
  }

  @Test
  void aSubstituteBackboneIsReportedWithTheOtherChanges() {
    TrainConfig run = Recipe.BIRD225_WRN101.config().toBuilder().backbone("saved-models/mobilenetv2-32").epochs(1)
        .limit(8).imageHeight(16).imageWidth(16).build();
    RecipeOverrides o = RecipeOverrides.of(run).orElseThrow();
    assertThat(o.substitutesBackbone()).isTrue();
    assertThat(o.changed()).containsOnlyKeys("backbone", "epochs", "limit", "imageHeight", "imageWidth");
    assertThat(o.changed().get("epochs")).isEqualTo(new RecipeOverrides.Change(10, 1));
    assertThat(o.backboneNotice()).contains("backbone: saved-models/mobilenetv2-32, a substitute for the recipe's"
        + " saved-models/wide_resnet101 (the paper's pretrained wide ResNet-101), so the accuracies are not comparable"
        + " with the paper's table");
    Map<String, Object> meta = o.toMetadata();
    assertThat(meta).containsEntry("name", "bird225-wrn101").containsEntry("backbone", "saved-models/mobilenetv2-32")
        .containsEntry("recipeBackbone", "saved-models/wide_resnet101")
        .containsEntry("substituteFor", "saved-models/wide_resnet101");
    assertThat(meta.get("changed")).isEqualTo(Map.of(
        "backbone", Map.of("recipe", "saved-models/wide_resnet101", "run", "saved-models/mobilenetv2-32"),
        "epochs", Map.of("recipe", 10, "run", 1), "limit", Map.of("recipe", 0, "run", 8),
        "imageHeight", Map.of("recipe", 0, "run", 16), "imageWidth", Map.of("recipe", 0, "run", 16)));
  }

  @Test
  void theRecipesOwnBackboneIsNoSubstituteHoweverItIsSpelled() {
    String absolute = Path.of(Recipe.WIDE_RESNET101).toAbsolutePath() + "/";
    TrainConfig run = Recipe.CALTECH101_WRN101.config().toBuilder().backbone(absolute).epochs(2).build();
    RecipeOverrides o = RecipeOverrides.of(run).orElseThrow();
    assertThat(o.substitutesBackbone()).isFalse();
    assertThat(o.backboneNotice()).isEmpty();
    assertThat(o.changed()).containsOnlyKeys("epochs");
    assertThat(o.toMetadata()).containsEntry("substituteFor", null);
  }

  @Test
  void aVgg5RecipeOnAnotherBackboneNamesVgg5() {
    TrainConfig run = Recipe.KMNIST_VGG5.config().toBuilder().backbone("flatten").build();
    assertThat(RecipeOverrides.of(run).orElseThrow().backboneNotice()).contains("backbone: flatten, a substitute for"
        + " the recipe's vgg5 (VGG-5), so the accuracies are not comparable with the paper's table");
  }

  @Test
  void noRecipeNoOverrides() {
    assertThat(RecipeOverrides.of(TrainConfig.builder().dataset("mnist").backbone("flatten").build())).isEmpty();
  }

  @Test
  void configJsonKeepsTheRecipe() throws Exception {
    TrainConfig run = Recipe.STL10_WRN101.config().toBuilder().backbone("saved-models/mobilenetv2-32").build();
    String json = Checkpoints.JSON.writeValueAsString(run);
    assertThat(json).contains("\"recipe\" : \"stl10-wrn101\"");
    TrainConfig back = Checkpoints.JSON_READER.readValue(json, TrainConfig.class);
    assertThat(back).isEqualTo(run);
    assertThat(back.recipe()).isSameAs(Recipe.STL10_WRN101);
    // a config.json written before runs recorded their recipe reads as a run without one
    String old = json.replace("\"recipe\" : \"stl10-wrn101\",", "");
    assertThat(Checkpoints.JSON_READER.readValue(old, TrainConfig.class).recipe()).isNull();
  }
}
