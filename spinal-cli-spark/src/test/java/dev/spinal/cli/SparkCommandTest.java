package dev.spinal.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spinal.datasets.DatasetSplits;
import dev.spinal.datasets.ImageDataset;
import dev.spinal.savedmodel.ExportedModel;
import dev.spinal.spark.SparkSessions;
import dev.spinal.train.Runs;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import picocli.CommandLine;

/**
 * The command lines of ./spinal's Spark launcher on local[2]: features of a dataset as Parquet, a head
 * trained on them with `train --features` and exported, that export's predictions for a folder of PNG
 * files (a corrupt one among them), and a missing model's one-line error.
 */
class SparkCommandTest {

  static final Path CNN = Path.of("..", "saved-models", "fmnist04-cnn").toAbsolutePath().normalize();
  @TempDir static Path dir;
  static DatasetSplits data;
  static Path export;

  record Run(int exit, String out, String err) {}

  static Run run(String... args) {
    CommandLine cli = SpinalSparkCli.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int exit = cli.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  /** spark features, then train --features (through the Parquet reader on the class path) with --export. */
  @BeforeAll
  static void featuresThenTrain() {
    Path features = dir.resolve("features");
    Run f = run("spark", "features", "--master", "local[2]", "--backbone", CNN.toString(), "--dataset",
        "fashion-mnist", "--limit", "400", "--seed", "5", "--out", features.toString());
    assertThat(f.exit()).as(f.err()).isZero();
    assertThat(f.out()).contains("{test=400, train=360, validation=40}", "0 without features",
        "spinal train --features " + features + " --backbone " + CNN);
    data = Runs.loadData("fashion-mnist", null, 400, 5);

    Run t = run("train", "--features", features.toString(), "--backbone", CNN.toString(), "--width", "16",
        "--depth", "2", "--epochs", "2", "--batch", "20", "--no-progress", "--out", dir.resolve("run").toString(),
        "--export", dir.resolve("export").toString());
    assertThat(t.exit()).as(t.err()).isZero();
    export = dir.resolve("export/1");
    assertThat(export.resolve("saved_model.pb")).exists();
  }

  @Test
  void trainOnFeaturesExportsBackbonePlusHeadAndExportsAgain() throws Exception {
    try (ExportedModel m = ExportedModel.load(export)) {
      assertThat(m.imageShape().asArray()).containsExactly(28, 28, 1);
      assertThat(m.classNames()).isEqualTo(data.train().classNames());
    }
    Run e = run("export", "--run", dir.resolve("run").toString(), "--out", dir.resolve("export").toString());
    assertThat(e.exit()).as(e.err()).isZero();
    assertThat(dir.resolve("export/2/saved_model.pb")).exists();
  }

  @Test
  void predictWritesEveryImageFilesClassAndTheCorruptOnesError() throws Exception {
    ImageDataset test = data.test();
    Path images = Files.createDirectories(dir.resolve("images/sub"));
    int n = 12;
    for (int i = 0; i < n; i++) {
      BufferedImage png = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
      png.getRaster().setDataElements(0, 0, 28, 28, test.image(i));
      ImageIO.write(png, "png", images.resolve(String.format("img%02d.png", i)).toFile());
    }
    Files.writeString(images.resolve("broken.png"), "not a png");
    Files.writeString(images.resolve("notes.txt"), "not an image file name: left out");
    Path out = dir.resolve("predictions");
    Run r = run("spark", "predict", "--master", "local[2]", "--model", export.getParent().toString(), "--input",
        dir.resolve("images").toString(), "--out", out.toString(), "--batch", "5");
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("predicted 13 rows (1 without a prediction)", "broken.png: ");

    SparkSession spark = SparkSessions.local(1, "read predictions");
    List<Row> rows;
    try {
      rows = spark.read().parquet(out.toString()).orderBy("path").collectAsList();
    } finally {
      spark.stop();
    }
    assertThat(rows).hasSize(n + 1);
    assertThat(rows.get(0).getString(0)).endsWith("/broken.png");
    assertThat(rows.get(0).getString(4)).contains("not an image");
    float[] x = new float[n * 784];
    float scale = (float) (1.0 / 255.0);
    for (int i = 0; i < n; i++) {
      byte[] b = test.image(i);
      for (int k = 0; k < 784; k++) {
        x[i * 784 + k] = (b[k] & 0xff) * scale;
      }
    }
    try (ExportedModel m = ExportedModel.load(export);
        TFloat32 t = TFloat32.tensorOf(Shape.of(n, 28, 28, 1), DataBuffers.of(x, true, false))) {
      ExportedModel.Prediction p = m.predict(t);
      for (int i = 0; i < n; i++) {
        Row row = rows.get(i + 1);
        assertThat(row.getString(0)).endsWith(String.format("/img%02d.png", i));
        assertThat(row.isNullAt(4)).isTrue();
        assertThat(row.getInt(1)).isEqualTo((int) p.classes()[i]);
        assertThat(row.getString(2)).isEqualTo(test.classNames().get((int) p.classes()[i]));
        List<Float> probabilities = row.getList(3);
        for (int k = 0; k < 10; k++) {
          assertThat((double) probabilities.get(k)).isCloseTo(p.probabilities()[i * 10 + k],
              org.assertj.core.api.Assertions.within(1e-6));
        }
      }
    }
  }

  @Test
  void aMissingModelIsOneLineNamingTheFolder() throws Exception {
    Path images = Files.createDirectories(dir.resolve("one"));
    BufferedImage png = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
    ImageIO.write(png, "png", images.resolve("a.png").toFile());
    String missing = dir.resolve("no-model").toString();
    Run r = run("spark", "predict", "--master", "local[2]", "--model", missing, "--input", images.toString(), "--out",
        dir.resolve("never").toString());
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err().strip().lines()).hasSize(1);
    assertThat(r.err()).startsWith("spinal: error: cannot load the model " + missing + " on executor driver");
  }

  @Test
  void sparkHelpListsItsCommandsAndTheTopLevelHelpPointsToIt() {
    Run help = run("spark", "--help");
    assertThat(help.exit()).isZero();
    assertThat(help.out()).contains("predict", "features", "bench");
    Run predict = run("spark", "predict", "--help");
    assertThat(predict.out().replaceAll("\\s+", " ")).contains("--master", "--model", "--tf-threads",
        "Default: the one spark-submit sets, else local[*].").doesNotContain("'spinal spark --help'");
    assertThat(run("--help").out()).contains("'spinal spark --help'");
  }
}
