package dev.spinal.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spinal.core.backbones.Vgg5Backbone;
import dev.spinal.core.model.Model;
import dev.spinal.datasets.DatasetSplits;
import dev.spinal.datasets.Normalization;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.ndarray.Shape;

/** A run on a user's own data: the config keeps the source, the model sizes itself from the images. */
class OwnDataRunsTest {
  @TempDir Path dir;

  /** {@code root/<a|b>/<i>.png}: 5 RGB images of h x w per class, class b brighter. */
  Path folder(int h, int w) throws Exception {
    Path root = dir.resolve("shapes");
    for (String c : List.of("a", "b")) {
      Files.createDirectories(root.resolve(c));
      for (int i = 0; i < 5; i++) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
          for (int x = 0; x < w; x++) {
            int v = (c.equals("a") ? 30 : 160) + (x * 7 + y * 3 + i) % 40;
            img.setRGB(x, y, v << 16 | (v / 2) << 8 | (255 - v));
          }
        }
        ImageIO.write(img, "png", root.resolve(c).resolve(i + ".png").toFile());
      }
    }
    return root;
  }

  @Test
  void vgg5AndTheHeadSizeThemselvesFromTheData() throws Exception {
    Path root = folder(20, 24);
    TrainConfig config = TrainConfig.builder().data(root.toString()).backbone("vgg5").build();
    DatasetSplits data = Runs.loadData(config);
    Model model = Runs.model(config, data.train());
    assertThat(model.backbone()).isInstanceOf(Vgg5Backbone.class);
    assertThat(model.imageShape()).isEqualTo(Shape.of(20, 24, 3));
    assertThat(model.backbone().featureSize()).isEqualTo(256); // 20x24 -> 1x1 after four pools
    assertThat(model.head().inputSize()).isEqualTo(256);
    assertThat(model.classes()).isEqualTo(2);
    Normalization measured = Normalization.measure(data.train());
    assertThat(model.mean()).containsExactly(measured.mean());
    assertThat(model.std()).containsExactly(measured.std());
    assertThat(model.mean()[0]).isNotEqualTo(model.mean()[2]); // per channel

    TrainConfig resized = config.toBuilder().imageHeight(32).imageWidth(48).channels(1).build();
    Model bigger = Runs.model(resized, Runs.loadData(resized).train());
    assertThat(bigger.imageShape()).isEqualTo(Shape.of(32, 48, 1));
    assertThat(bigger.head().inputSize()).isEqualTo(256 * 2 * 3);
    assertThat(bigger.mean()).hasSize(1);
  }

  @Test
  void configJsonKeepsTheDataSourceAndOldConfigsReadWithDefaults() throws Exception {
    TrainConfig config = TrainConfig.builder().data("/data/pets").imageHeight(28).imageWidth(32).channels(1)
        .validationFraction(0.2).testFraction(0.3).splitSeed(9L).skipBadFiles(true).build();
    String json = Checkpoints.JSON.writeValueAsString(config);
    TrainConfig back = Checkpoints.JSON.readValue(json, TrainConfig.class);
    assertThat(back).isEqualTo(config);
    assertThat(back.effectiveSplitSeed()).isEqualTo(9L);
    assertThat(Runs.dataOptions(back).imageHeight()).isEqualTo(28);
    assertThat(Runs.dataOptions(back).testFraction()).isEqualTo(0.3);

    ObjectNode old = (ObjectNode) Checkpoints.JSON.readTree(Checkpoints.JSON.writeValueAsString(
        TrainConfig.builder().dataset("fashion-mnist").build()));
    for (String field : List.of("data", "imageHeight", "imageWidth", "channels", "validationFraction",
        "testFraction", "splitSeed", "verifyChecksums", "skipBadFiles")) {
      assertThat(old.remove(field)).as(field).isNotNull();
    }
    TrainConfig before = Checkpoints.JSON.treeToValue(old, TrainConfig.class);
    assertThat(before.verifyChecksums()).isTrue();
    assertThat(before.validationFraction()).isEqualTo(0.1);
    assertThat(before.effectiveSplitSeed()).isEqualTo(before.seed());
    assertThat(Runs.dataOptions(before).seed()).isEqualTo(1);
  }

  @Test
  void dataFieldsAreValidatedNamingTheFlag() {
    assertThatThrownBy(() -> TrainConfig.builder().build()).hasMessage("--dataset or --data is required");
    assertThatThrownBy(() -> TrainConfig.builder().dataset("mnist").data("d").build())
        .hasMessageContaining("give --dataset (a registry dataset) or --data (your own files), not both")
        .hasMessageContaining("--dataset mnist --data-path d");
    assertThatThrownBy(() -> TrainConfig.builder().data("d").channels(2).build())
        .hasMessageContaining("--channels must be 1 (grayscale) or 3 (RGB), got 2");
    assertThatThrownBy(() -> TrainConfig.builder().data("d").testFraction(1).build())
        .hasMessageContaining("--test-fraction must be in (0, 1)");
    // options of a user's data are refused (not ignored) for a registry dataset they cannot apply to
    assertThatThrownBy(() -> Runs.loadData(TrainConfig.builder().dataset("mnist").imageHeight(32).imageWidth(32)
        .build())).hasMessageContaining("--image-size applies to your own data (--data)")
        .hasMessageContaining("mnist is stored at its published size");
    assertThatThrownBy(() -> Runs.loadData(TrainConfig.builder().dataset("fashion-mnist").channels(3).build()))
        .hasMessageContaining("--channels applies to your own data (--data)");
  }
}
