package dev.spinal.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spinal.datasets.Batch;
import dev.spinal.datasets.BatchStream;
import dev.spinal.datasets.DatasetSplits;
import dev.spinal.datasets.Normalization;
import dev.spinal.savedmodel.ExportedModel;
import dev.spinal.train.Runs;
import dev.spinal.train.TrainConfig;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code spinal train --export} then {@code spinal predict} on an image file: the class by name. */
class PredictCommandTest {

  @Test
  void predictClassifiesAnImageFileByClassName(@TempDir Path dir) throws Exception {
    Path export = dir.resolve("export");
    CliTest.Run train = CliTest.run("train", "--dataset", "fashion-mnist", "--limit", "1500", "--backbone", "flatten",
        "--width", "32", "--depth", "2", "--epochs", "1", "--batch", "50", "--no-progress",
        "--out", dir.resolve("run").toString(), "--export", export.toString());
    assertThat(train.exit()).as(train.err()).isZero();

    DatasetSplits data = Runs.loadData(TrainConfig.builder().dataset("fashion-mnist").limit(1500).build());
    BufferedImage png = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
    png.getRaster().setDataElements(0, 0, 28, 28, data.test().image(0));
    Path file = dir.resolve("test0.png");
    ImageIO.write(png, "png", file.toFile());

    long expected;
    try (ExportedModel model = ExportedModel.load(export);
        BatchStream one = BatchStream.builder(data.test().first(1)).batchSize(1).normalize(Normalization.UNIT).build();
        Batch b = one.next()) {
      expected = model.classify(b.images())[0];
    }
    String className = data.test().classNames().get((int) expected);
    CliTest.Run r = CliTest.run("predict", "--model", export.toString(), "--top", "1", file.toString());
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out().strip()).startsWith(file + ": " + className + " ");
  }
}
