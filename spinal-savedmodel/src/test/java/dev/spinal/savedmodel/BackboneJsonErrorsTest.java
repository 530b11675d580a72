package dev.spinal.savedmodel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/**
 * The {@code backbone.json} values {@link BackboneJsonFuzzTest} found read silently as something else (a mean of
 * {@code null} or {@code "NaN"} as 0 or NaN, a std of {@code true} as 1, channels {@code true} as 1, a channel order
 * of {@code -1} as RGB), each now refused with the file and the field named; and an empty file, which said only
 * that its input size (-1, -1, -1) disagreed with the model.
 */
class BackboneJsonErrorsTest {
  @TempDir static Path dir;
  static Path model;
  static Path json;

  @BeforeAll
  static void tinyModel() throws Exception {
    model = SavedModelBackboneErrorsTest.tinyModel(dir.resolve("tiny"), "serving_default", TFloat32.class,
        Shape.of(-1, 4, 4, 1));
    json = model.resolve("backbone.json");
  }

  static String backboneJson(String inputSize, String preprocessing) {
    return "{\"saved_model_format\": \"graph\", \"input_size\": " + inputSize + ", \"feature_size\": 16,"
        + " \"preprocessing\": " + preprocessing + "}";
  }

  static String preprocessing(String mean, String std, String order) {
    return "{\"mean\": " + mean + ", \"std\": " + std + ", \"channel_order\": " + order + "}";
  }

  static final String SIZE = "{\"height\": 4, \"width\": 4, \"channels\": 1}";

  void refused(String content, String message) throws Exception {
    Files.writeString(json, content);
    assertThatThrownBy(() -> SavedModelBackbone.load(model, 4, 4, 1, false))
        .isInstanceOf(IllegalArgumentException.class).hasMessage(json + ": " + message);
  }

  @Test
  void theValidFileLoads() throws Exception {
    Files.writeString(json, backboneJson(SIZE, preprocessing("[0]", "[255]", "\"gray\"")));
    assertThat(SavedModelBackbone.load(model, 4, 4, 1, false).featureSize()).isEqualTo(16);
  }

  @Test
  void aMeanOrStdThatIsNotAFiniteNumber() throws Exception {
    // fuzz cases 268, 253, 233 and 217 (seed 20240602)
    refused(backboneJson(SIZE, preprocessing("[null]", "[255]", "\"gray\"")),
        "preprocessing.mean must be a list of finite numbers, got [null]");
    refused(backboneJson(SIZE, preprocessing("[\"NaN\"]", "[255]", "\"gray\"")),
        "preprocessing.mean must be a list of finite numbers, got [\"NaN\"]");
    refused(backboneJson(SIZE, preprocessing("[[]]", "[255]", "\"gray\"")),
        "preprocessing.mean must be a list of finite numbers, got [[]]");
    refused(backboneJson(SIZE, preprocessing("[0]", "[true]", "\"gray\"")),
        "preprocessing.std must be a list of finite numbers, got [true]");
    refused(backboneJson(SIZE, preprocessing("[0]", "[1e39]", "\"gray\"")),
        "preprocessing.std must be a list of finite numbers, got [1.0E39]");
  }

  @Test
  void aChannelOrderThatIsNotOneOfTheFour() throws Exception {
    // fuzz case 269 (seed 20240602): -1 was read as RGB
    refused(backboneJson(SIZE, preprocessing("[0]", "[255]", "-1")), "preprocessing.channel_order must be a string, got -1");
    refused(backboneJson(SIZE, preprocessing("[0]", "[255]", "\"RGBX\"")),
        "preprocessing.channel_order must be RGB, BGR, gray or as-is, got 'RGBX'");
  }

  @Test
  void aSizeThatIsNotAnInteger() throws Exception {
    // fuzz case 428 of a longer run: true was read as 1
    refused(backboneJson("{\"height\": 4, \"width\": 4, \"channels\": true}", preprocessing("[0]", "[255]",
        "\"gray\"")), "input_size.channels must be an integer, got true");
    refused(backboneJson("{\"height\": 4.0, \"width\": 4, \"channels\": 1}", preprocessing("[0]", "[255]",
        "\"gray\"")), "input_size.height must be an integer, got 4.0");
  }

  @Test
  void anEmptyFileOrAnotherFormat() throws Exception {
    refused("", "expected a JSON object (input_size, feature_size, preprocessing, ...), found an empty file");
    refused("[1, 2]", "expected a JSON object (input_size, feature_size, preprocessing, ...), found ARRAY");
    refused("{\"saved_model_format\": \"tf3\"}", "saved_model_format must be 'tf2' or 'graph', got 'tf3'");
  }
}
