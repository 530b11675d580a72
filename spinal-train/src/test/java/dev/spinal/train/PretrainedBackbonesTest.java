package dev.spinal.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PretrainedBackbonesTest {

  @Test
  void namesParseToSizeAndFormat() {
    assertThat(PretrainedBackbones.parse("efficientnet-lite0")).contains(new PretrainedBackbones.Entry(224, false));
    assertThat(PretrainedBackbones.parse("efficientnet-lite0-graph")).contains(new PretrainedBackbones.Entry(224, true));
    assertThat(PretrainedBackbones.parse("efficientnet-lite0-128")).contains(new PretrainedBackbones.Entry(128, false));
    assertThat(PretrainedBackbones.parse("efficientnet-lite0-96-graph"))
        .contains(new PretrainedBackbones.Entry(96, true));
    assertThat(PretrainedBackbones.parse("efficientnet-lite0-224")).contains(new PretrainedBackbones.Entry(224, false));
    for (String other : new String[] {"vgg5", "saved-models/fmnist04-cnn", "efficientnet-lite1", "efficientnet-lite0x",
        "my/efficientnet-lite0", "efficientnet-lite0-graph-128"}) {
      assertThat(PretrainedBackbones.parse(other)).as(other).isEmpty();
    }
    assertThatThrownBy(() -> PretrainedBackbones.parse("efficientnet-lite0-16"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("input size must be >= 32, got 16");
  }

  @Test
  void entriesNameTheirFolderAndTheCommandThatBuildsThem() {
    PretrainedBackbones.Entry lite = PretrainedBackbones.parse("efficientnet-lite0").orElseThrow();
    assertThat(lite.folderName()).isEqualTo("efficientnet-lite0-224");
    assertThat(lite.buildCommand()).isEqualTo("bash saved-models/make_backbones.sh efficientnet-lite0");
    PretrainedBackbones.Entry small = PretrainedBackbones.parse("efficientnet-lite0-128-graph").orElseThrow();
    assertThat(small.folderName()).isEqualTo("efficientnet-lite0-128-graph");
    assertThat(small.name()).isEqualTo("efficientnet-lite0-128-graph");
    assertThat(small.buildCommand()).isEqualTo("bash saved-models/make_backbones.sh efficientnet-lite0 --size 128");
  }

  @Test
  void theCacheIsSpinalBackbonesElseUnderTheHomeFolder() {
    assertThat(PretrainedBackbones.defaultRoot(Map.of(), "/home/u")).isEqualTo(Path.of("/home/u/.cache/spinal/backbones"));
    assertThat(PretrainedBackbones.defaultRoot(Map.of("SPINAL_BACKBONES", "/data/bb"), "/home/u"))
        .isEqualTo(Path.of("/data/bb"));
    assertThat(PretrainedBackbones.defaultRoot(Map.of("SPINAL_BACKBONES", " "), "/home/u"))
        .isEqualTo(Path.of("/home/u/.cache/spinal/backbones"));
  }

  @Test
  void aMissingBuildSaysTheExactCommand(@TempDir Path cache) throws IOException {
    PretrainedBackbones pretrained = new PretrainedBackbones(cache);
    assertThatThrownBy(() -> pretrained.resolve("efficientnet-lite0"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("pretrained backbone 'efficientnet-lite0' (EfficientNet-Lite0, ImageNet weights")
        .hasMessageContaining(cache.resolve("efficientnet-lite0-224") + " does not exist")
        .hasMessageEndingWith("with: bash saved-models/make_backbones.sh efficientnet-lite0");
    assertThatThrownBy(() -> pretrained.resolve("efficientnet-lite0-128-graph"))
        .hasMessageContaining(cache.resolve("efficientnet-lite0-128-graph").toString())
        .hasMessageEndingWith("with: bash saved-models/make_backbones.sh efficientnet-lite0 --size 128");
    // A half-built folder (no variables/) is not taken for a backbone either.
    Path dir = Files.createDirectories(cache.resolve("efficientnet-lite0-224"));
    Files.writeString(dir.resolve("saved_model.pb"), "x");
    Files.writeString(dir.resolve("backbone.json"), "{}");
    assertThatThrownBy(() -> pretrained.resolve("efficientnet-lite0"))
        .hasMessageContaining(dir + " has no variables");
    // Through Backbones, as --backbone resolves it.
    assertThatThrownBy(() -> Backbones.folder("efficientnet-lite0", pretrained))
        .hasMessageEndingWith("bash saved-models/make_backbones.sh efficientnet-lite0");
  }

  @Test
  void aBuiltNameResolvesToItsCacheFolder(@TempDir Path cache) throws IOException {
    Path tf2 = fakeBuild(cache.resolve("efficientnet-lite0-224"));
    Path graph = fakeBuild(cache.resolve("efficientnet-lite0-224-graph"));
    PretrainedBackbones pretrained = new PretrainedBackbones(cache);
    assertThat(pretrained.resolve("efficientnet-lite0")).contains(tf2);
    assertThat(pretrained.resolve("efficientnet-lite0-graph")).contains(graph);
    assertThat(pretrained.resolve("saved-models/fmnist04-cnn")).isEmpty();
    assertThat(Backbones.folder("efficientnet-lite0", pretrained)).isEqualTo(tf2);
    Backbones.checkAvailable("efficientnet-lite0-graph", true, true, pretrained);
    Backbones.checkAvailable("efficientnet-lite0", true, false, pretrained); // both formats fine-tune
  }

  @Test
  void folderPathsWorkAsBeforeAndUnknownNamesListThePretrainedOnes(@TempDir Path cache) {
    PretrainedBackbones pretrained = new PretrainedBackbones(cache);
    Path committed = Path.of("..", "saved-models", "fmnist04-cnn");
    assertThat(Backbones.folder(committed.toString(), pretrained)).isEqualTo(committed);
    assertThatThrownBy(() -> Backbones.folder("no/such/backbone", pretrained))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("backbone 'no/such/backbone' is neither vgg5, flatten, a pretrained backbone"
            + " (efficientnet-lite0, efficientnet-lite0-graph) nor a SavedModel folder");
  }

  private static Path fakeBuild(Path dir) throws IOException {
    Files.createDirectories(dir.resolve("variables"));
    Files.writeString(dir.resolve("saved_model.pb"), "x");
    Files.writeString(dir.resolve("backbone.json"), "{}");
    return dir;
  }
}
