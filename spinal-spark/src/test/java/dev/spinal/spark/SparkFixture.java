package dev.spinal.spark;

import dev.spinal.core.GraphContext;
import dev.spinal.core.heads.HeadSpec;
import dev.spinal.core.heads.ProgressiveSpinalHead;
import dev.spinal.core.model.Model;
import dev.spinal.core.model.ModelGraph;
import dev.spinal.datasets.ImageDataset;
import dev.spinal.savedmodel.ModelExporter;
import dev.spinal.savedmodel.SavedModelBackbone;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import javax.imageio.ImageIO;
import org.apache.spark.sql.SparkSession;

/** What the Spark tests share: one local[2] session per JVM, the committed backbone, a classifier export. */
final class SparkFixture {

  static final Path CNN = Path.of("..", "saved-models", "fmnist04-cnn").toAbsolutePath().normalize();
  private static SparkSession spark;

  private SparkFixture() {}

  /**
   * local[2] (this machine's cores): started once per test JVM, because Spark's start costs seconds; the
   * tests use their own model folders, so the JVM-wide model cache they share holds one model per test.
   */
  static synchronized SparkSession spark() {
    if (spark == null) {
      spark = SparkSessions.local(2, "spinal-spark-tests");
    }
    return spark;
  }

  /**
   * Exports fmnist04-cnn (frozen, the committed TF2 backbone) + a ProgressiveSpinal head with seeded
   * initial weights to {@code base}/1: a real convolutional export, as training writes it.
   */
  static Path exportClassifier(Path base, ImageDataset like) throws Exception {
    SavedModelBackbone backbone = SavedModelBackbone.load(CNN, 28, 28, 1, false);
    HeadSpec spec = HeadSpec.builder().inputSize(backbone.featureSize()).width(32).depth(3)
        .classes(like.numClasses()).build();
    Model model = Model.builder().backbone(backbone).head(new ProgressiveSpinalHead(spec)).build();
    try (ModelGraph graph = ModelGraph.build(model, GraphContext.Mode.INFERENCE, 7, null)) {
      return ModelExporter.export(graph, base, like.classNames(), Map.of("purpose", "spinal-spark tests"));
    }
  }

  /** Image {@code i} of {@code data} as a PNG file's bytes (gray, lossless). */
  static byte[] png(ImageDataset data, int i) throws Exception {
    BufferedImage img = new BufferedImage(data.width(), data.height(), BufferedImage.TYPE_BYTE_GRAY);
    byte[] pixels = data.image(i);
    img.getRaster().setDataElements(0, 0, data.width(), data.height(), pixels);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(img, "png", out);
    return out.toByteArray();
  }

  /** Pixels / 255 of image {@code i}, as the trainer's batches hold them ({@code v * (float) (1 / 255.0)}). */
  static float[] unit(ImageDataset data, int i) {
    byte[] b = data.image(i);
    float[] out = new float[b.length];
    float scale = (float) (1.0 / 255.0);
    for (int k = 0; k < b.length; k++) {
      out[k] = (b[k] & 0xff) * scale;
    }
    return out;
  }

  static void deleteTree(Path dir) throws Exception {
    if (Files.exists(dir)) {
      try (var s = Files.walk(dir)) {
        for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
  }
}
