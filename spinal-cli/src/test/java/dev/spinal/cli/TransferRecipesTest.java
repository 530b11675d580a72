package dev.spinal.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.spinal.savedmodel.ExportedModel;
import dev.spinal.testing.DatasetFixtures;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/**
 * The paper's four transfer recipes run end to end with {@code --backbone} standing in for their wide ResNet-101
 * (which cannot be obtained here), each on a tiny copy of its dataset written in the publisher's layout: one epoch,
 * {@code --limit}ed splits, exported. The run says on stderr that the backbone is a substitute, records it in
 * {@code result.json} and the export's {@code spinal.json}, and the export loads and classifies.
 */
class TransferRecipesTest {

  /**
   * The smallest committed backbone (a 28x28 gray CNN: the graph converts and resizes the RGB images for it), so that
   * the four runs stay fast; {@code mobilenetv2-32} costs about twice the CPU time.
   */
  static final Path BACKBONE = Path.of("..", "saved-models", "fmnist04-cnn").toAbsolutePath().normalize();
  static final String WRN101 = "saved-models/wide_resnet101";
  static final JsonMapper JSON = JsonMapper.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();

  @TempDir Path dir;

  /**
   * One recipe's case: its dataset's layout written under a folder, the options that folder needs, the classes and
   * the expected image shape and split sizes after {@code --limit 20} (the recipe's batch, 16 or 8, must fit in the
   * training split).
   */
  record Case(String recipe, Function<Path, Path> layout, List<String> extraArgs, List<String> classes,
      long[] imageShape, int trainAndValidation, int test, boolean exportCommand) {
    @Override
    public String toString() {
      return recipe;
    }
  }

  static Stream<Arguments> recipes() {
    List<String> birds = List.of("ALBATROSS", "BALD EAGLE", "CROW");
    List<String> fruits = List.of("Apple Braeburn", "Banana", "Cherry 1");
    List<String> objects = List.of("accordion", "airplanes", "anchor");
    List<String> stl = List.of("airplane", "bird", "car", "cat", "deer", "dog", "horse", "monkey", "ship", "truck");
    return Stream.of(
        // published train/ valid/ test/ of 3 x 7 images each: --limit 20 of each, valid/ is the validation split
        new Case("bird225-wrn101", root -> DatasetFixtures.bird225(root, birds, 7, 20),
            List.of("--image-size", "16x16"), birds, new long[] {16, 16, 3}, 20 + 20, 20, false),
        // Training/ Test/ of 3 x 8 images each: --limit 20 of each, 10 % of the 20 training images for validation
        new Case("fruits360-wrn101", root -> DatasetFixtures.fruits360(root, fruits, 8, 20),
            List.of("--image-size", "16x16"), fruits, new long[] {16, 16, 3}, 20, 20, false),
        // 101_ObjectCategories/ of 3 x 12 images (clutter left out): 7 for test, 3 of the other 29 for validation,
        // seeded and stratified; then --limit 20 of each split. Exported again by spinal export --run.
        new Case("caltech101-wrn101", root -> DatasetFixtures.caltech101(root, objects, 12, 20),
            List.of("--image-size", "16x16"), objects, new long[] {16, 16, 3}, 20 + 3, 7, true),
        // stl10_binary/*.bin of 24 + 12 images at the published 96 x 96 (no --image-size for it): --limit 20 of the
        // training file, 2 of them for validation; synthetic files cannot match the published checksums
        new Case("stl10-wrn101", root -> DatasetFixtures.stl10(root, 24, 12), List.of("--no-verify"), stl,
            new long[] {96, 96, 3}, 20, 12, false))
        .map(Arguments::of);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("recipes")
  void runsWithALabelledSubstituteBackbone(Case c) throws IOException {
    Path data = dir.resolve("data");
    c.layout().apply(data);
    Path run = dir.resolve("run");
    Path export = dir.resolve("export");
    List<String> args = new ArrayList<>(List.of("train", "--recipe", c.recipe(), "--backbone", BACKBONE.toString(),
        "--data-path", data.toString(), "--limit", "20", "--epochs", "1", "--no-progress",
        "--out", run.toString(), "--export", export.toString()));
    args.addAll(c.extraArgs());
    CliTest.Run r = CliTest.run(args.toArray(String[]::new));
    assertThat(r.exit()).as(r.err()).isZero();

    assertThat(r.err()).startsWith("backbone: " + BACKBONE + ", a substitute for the recipe's " + WRN101
        + " (the paper's pretrained wide ResNet-101)");

    JsonNode config = JSON.readTree(run.resolve("config.json").toFile());
    assertThat(config.path("recipe").asText()).isEqualTo(c.recipe());
    assertThat(config.path("backbone").asText()).isEqualTo(BACKBONE.toString());

    JsonNode result = JSON.readTree(run.resolve("result.json").toFile());
    assertThat(result.path("bestEpoch").asInt()).isEqualTo(1);
    for (String accuracy : List.of("validationAccuracy", "testAccuracy", "paperProtocolTestAccuracy")) {
      assertThat(result.path(accuracy).isNumber()).as(accuracy + " in " + result).isTrue();
      assertThat(result.path(accuracy).asDouble()).as(accuracy).isBetween(0.0, 1.0);
    }
    assertSubstituteRecorded(result.path("recipe"), c.recipe());

    Path version = export.resolve("1");
    JsonNode spinal = JSON.readTree(version.resolve("assets.extra/spinal.json").toFile());
    assertSubstituteRecorded(spinal.path("recipe"), c.recipe());
    assertThat(spinal.path("data").path("train_images").asInt() + spinal.path("data").path("validation_images").asInt())
        .as("--limit 20 applied to every split").isEqualTo(c.trainAndValidation());
    assertThat(spinal.path("data").path("test_images").asInt()).isEqualTo(c.test());

    try (ExportedModel model = ExportedModel.load(export)) {
      assertThat(model.imageShape()).isEqualTo(Shape.of(c.imageShape()));
      assertThat(model.classNames()).isEqualTo(c.classes());
      long[] batch = {2, c.imageShape()[0], c.imageShape()[1], c.imageShape()[2]};
      try (TFloat32 images = TFloat32.tensorOf(Shape.of(batch))) {
        float[] p = model.probabilities(images);
        assertThat(p).hasSize(2 * c.classes().size());
        double sum = 0;
        for (int i = 0; i < c.classes().size(); i++) {
          sum += p[i];
        }
        assertThat(sum).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-4));
        assertThat(java.util.Arrays.stream(model.classify(images)).boxed().toList())
            .hasSize(2).allSatisfy(k -> assertThat(k).isBetween(0L, c.classes().size() - 1L));
      }
    }

    if (c.exportCommand()) {
      CliTest.Run again = CliTest.run("export", "--run", run.toString(), "--out", export.toString());
      assertThat(again.exit()).as(again.err()).isZero();
      assertSubstituteRecorded(JSON.readTree(export.resolve("2/assets.extra/spinal.json").toFile()).path("recipe"),
          c.recipe());
    }
  }

  /** {@code "recipe"} of result.json and spinal.json: the recipe, its backbone, the substitute, what changed. */
  static void assertSubstituteRecorded(JsonNode recipe, String name) {
    assertThat(recipe.path("name").asText()).isEqualTo(name);
    assertThat(recipe.path("backbone").asText()).isEqualTo(BACKBONE.toString());
    assertThat(recipe.path("recipeBackbone").asText()).isEqualTo(WRN101);
    assertThat(recipe.path("recipeBackboneDescription").asText()).isEqualTo("the paper's pretrained wide ResNet-101");
    assertThat(recipe.path("substituteFor").asText()).isEqualTo(WRN101);
    JsonNode changed = recipe.path("changed");
    assertThat(changed.path("backbone").path("recipe").asText()).isEqualTo(WRN101);
    assertThat(changed.path("backbone").path("run").asText()).isEqualTo(BACKBONE.toString());
    assertThat(changed.path("epochs").path("run").asInt()).isEqualTo(1);
    assertThat(changed.path("limit").path("run").asInt()).isEqualTo(20);
    assertThat(changed.has("width")).as("the recipe's width is kept").isFalse();
  }
}
