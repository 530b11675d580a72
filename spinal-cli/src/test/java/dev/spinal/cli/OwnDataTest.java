package dev.spinal.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spinal.datasets.io.NpzWriter;
import dev.spinal.train.Checkpoints;
import dev.spinal.train.Runs;
import dev.spinal.train.TrainConfig;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code spinal train --data PATH} on each kind of a user's own files (written here, 3 classes x 10 tiny images):
 * it trains, exports, the export carries the class names (classes.txt, spinal.json) and {@code spinal predict}
 * prints them.
 */
class OwnDataTest {
  static final List<String> CLASSES = List.of("cat", "dog", "fox");
  @TempDir Path dir;

  /** Pixel (y, x, c) of image i of class k: the class sets the brightness, the image a small pattern. */
  static int pixel(int k, int i, int y, int x, int c) {
    return (40 + k * 80 + (i * 7 + y * 3 + x * 5 + c * 11) % 24) & 0xff;
  }

  static BufferedImage rgb(int k, int i, int side) {
    BufferedImage img = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < side; y++) {
      for (int x = 0; x < side; x++) {
        img.setRGB(x, y, pixel(k, i, y, x, 0) << 16 | pixel(k, i, y, x, 1) << 8 | pixel(k, i, y, x, 2));
      }
    }
    return img;
  }

  static Path png(BufferedImage img, Path file) throws IOException {
    Files.createDirectories(file.getParent());
    ImageIO.write(img, "png", file.toFile());
    return file;
  }

  /** {@code root/<class>/<i>.png}, 16x16 RGB. */
  static void classTree(Path root, int perClass) throws IOException {
    for (int k = 0; k < CLASSES.size(); k++) {
      for (int i = 0; i < perClass; i++) {
        png(rgb(k, i, 16), root.resolve(CLASSES.get(k)).resolve(i + ".png"));
      }
    }
  }

  static byte[] gz(byte[] data) throws IOException {
    ByteArrayOutputStream bos = new ByteArrayOutputStream();
    try (OutputStream out = new GZIPOutputStream(bos)) {
      out.write(data);
    }
    return bos.toByteArray();
  }

  static byte[] idx(int type, int[] dims, byte[] values) {
    ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + values.length);
    b.put((byte) 0).put((byte) 0).put((byte) type).put((byte) dims.length);
    for (int d : dims) {
      b.putInt(d);
    }
    return b.put(values).array();
  }

  /** MNIST-named gzipped IDX files, 28x28 gray, image i of class i % 3. */
  static void idxFiles(Path dir, String train, String test, int n, int m) throws IOException {
    Files.createDirectories(dir);
    for (String[] split : new String[][] {{train, "" + n}, {test, "" + m}}) {
      int count = Integer.parseInt(split[1]);
      byte[] px = new byte[count * 784];
      byte[] labels = new byte[count];
      for (int i = 0; i < count; i++) {
        labels[i] = (byte) (i % 3);
        for (int p = 0; p < 784; p++) {
          px[i * 784 + p] = (byte) pixel(i % 3, i, p / 28, p % 28, 0);
        }
      }
      Files.write(dir.resolve(split[0] + "-images-idx3-ubyte.gz"), gz(idx(8, new int[] {count, 28, 28}, px)));
      Files.write(dir.resolve(split[0] + "-labels-idx1-ubyte.gz"), gz(idx(8, new int[] {count}, labels)));
    }
  }

  /** Trains on {@code --data source} for one epoch, exports, and returns the export's version folder. */
  Path trainAndExport(String name, String... extra) throws IOException {
    Path export = dir.resolve(name + "-export");
    List<String> args = new ArrayList<>(List.of("train", "--width", "16", "--depth", "2", "--epochs", "1",
        "--batch", "8", "--no-progress", "--out", dir.resolve(name + "-run").toString(), "--export",
        export.toString()));
    args.addAll(List.of(extra));
    CliTest.Run train = CliTest.run(args.toArray(String[]::new));
    assertThat(train.exit()).as(train.err()).isZero();
    return export.resolve("1");
  }

  /** classes.txt and spinal.json name the classes; {@code spinal predict} prints them for an image file. */
  static void assertClassNamesFlow(Path version, List<String> classes, Path image, String source)
      throws IOException {
    assertThat(Files.readAllLines(version.resolve("assets.extra/classes.txt"))).isEqualTo(classes);
    JsonNode meta = new ObjectMapper().readTree(version.resolve("assets.extra/spinal.json").toFile());
    List<String> named = new ArrayList<>();
    meta.get("classes").forEach(n -> named.add(n.asText()));
    assertThat(named).isEqualTo(classes);
    assertThat(meta.get("data").get("registry").asBoolean()).isFalse();
    assertThat(meta.get("data").get("source").asText()).contains(source);
    CliTest.Run r = CliTest.run("predict", "--model", version.getParent().toString(), "--top", "3",
        image.toString());
    assertThat(r.exit()).as(r.err()).isZero();
    String line = r.out().strip();
    assertThat(line).startsWith(image + ": ");
    for (String c : classes) {
      assertThat(line).contains(" " + c + " ");
    }
  }

  @Test
  void imageFolderOfClassFoldersTrains() throws IOException {
    Path root = dir.resolve("pets");
    classTree(root, 10);
    // flatten keeps the test fast; that vgg5 and the head size themselves from the data: OwnDataRunsTest
    Path version = trainAndExport("folder", "--data", root.toString(), "--backbone", "flatten");
    JsonNode meta = new ObjectMapper().readTree(version.resolve("assets.extra/spinal.json").toFile());
    assertThat(meta.get("input").asText()).contains("[-1, 16, 16, 3]");
    assertThat(meta.get("data").get("train_images").asInt() + meta.get("data").get("validation_images").asInt()
        + meta.get("data").get("test_images").asInt()).isEqualTo(30);
    assertClassNamesFlow(version, CLASSES, root.resolve("dog/3.png"), "image folder");
  }

  @Test
  void idxFolderTrainsWithoutRegistryChecks() throws IOException {
    Path d = dir.resolve("digits");
    idxFiles(d, "train", "t10k", 30, 9);
    Files.writeString(d.resolve("classes.txt"), "zero\none\ntwo\n");
    Path version = trainAndExport("idx", "--data", d.toString(), "--backbone", "flatten");
    BufferedImage gray = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
    for (int p = 0; p < 784; p++) {
      gray.getRaster().setSample(p % 28, p / 28, 0, pixel(1, 4, p / 28, p % 28, 0));
    }
    assertClassNamesFlow(version, List.of("zero", "one", "two"), png(gray, dir.resolve("one.png")), "IDX files");
  }

  @Test
  void kerasNpzTrains() throws IOException {
    Path npz = dir.resolve("pets.npz");
    int n = 30;
    int m = 9;
    try (NpzWriter w = NpzWriter.create(npz)) {
      for (String[] split : new String[][] {{"train", "" + n}, {"test", "" + m}}) {
        int count = Integer.parseInt(split[1]);
        byte[] px = new byte[count * 16 * 16 * 3];
        long[] labels = new long[count];
        for (int i = 0; i < count; i++) {
          labels[i] = i % 3;
          for (int p = 0; p < 16 * 16 * 3; p++) {
            px[i * 768 + p] = (byte) pixel(i % 3, i, p / 48, p / 3 % 16, p % 3);
          }
        }
        w.putUnsignedBytes("x_" + split[0], new long[] {count, 16, 16, 3}, px);
        w.putLongs("y_" + split[0], new long[] {count}, labels);
      }
    }
    Files.writeString(dir.resolve("classes.txt"), String.join("\n", CLASSES) + "\n");
    Path version = trainAndExport("npz", "--data", npz.toString(), "--backbone", "flatten", "--grayscale",
        "--image-size", "12x12");
    JsonNode meta = new ObjectMapper().readTree(version.resolve("assets.extra/spinal.json").toFile());
    assertThat(meta.get("input").asText()).contains("[-1, 12, 12, 1]");
    assertClassNamesFlow(version, CLASSES, png(rgb(2, 1, 16), dir.resolve("fox.png")), "NumPy arrays");
  }

  @Test
  void csvListTrainsSkippingABadFileAndResumes() throws Exception {
    Path d = dir.resolve("list");
    classTree(d.resolve("img"), 10);
    Files.writeString(d.resolve("img/dog/broken.png"), "not a png");
    StringBuilder csv = new StringBuilder("path,label\n");
    for (String c : CLASSES) {
      for (int i = 0; i < 10; i++) {
        csv.append("img/").append(c).append('/').append(i).append(".png,").append(c).append('\n');
      }
    }
    csv.append("img/dog/broken.png,dog\n");
    Path file = Files.writeString(d.resolve("labels.csv"), csv.toString());

    CliTest.Run refused = CliTest.run("train", "--data", file.toString(), "--epochs", "1", "--out",
        dir.resolve("refused").toString());
    assertThat(refused.exit()).isEqualTo(1);
    assertThat(refused.err()).contains("broken.png: not an image");
    assertThat(dir.resolve("refused/config.json")).as("a failed load leaves no run to resume").doesNotExist();

    // two epochs, stopped after the first (as Ctrl-C would); config.json keeps the data source for --resume
    Path run = dir.resolve("csv-run");
    TrainConfig config = new TrainCommandParse().config("--data", file.toString(), "--backbone", "flatten",
        "--width", "16", "--depth", "2", "--epochs", "2", "--batch", "8", "--skip-bad-files", "--split-seed", "5");
    Runs.start(config, Runs.Options.of(run).withProgress(false).stoppingAfter(1));
    TrainConfig saved = Checkpoints.JSON_READER.readValue(run.resolve("config.json").toFile(), TrainConfig.class);
    assertThat(saved.data()).isEqualTo(file.toString());
    assertThat(saved.skipBadFiles()).isTrue();
    assertThat(saved.splitSeed()).isEqualTo(5L);
    Path export = dir.resolve("csv-export");
    CliTest.Run resumed = CliTest.run("train", "--resume", run.toString(), "--no-progress", "--export",
        export.toString());
    assertThat(resumed.exit()).as(resumed.err()).isZero();
    assertThat(Files.readAllLines(run.resolve("metrics.jsonl"))).hasSize(2);
    Path version = export.resolve("1");
    JsonNode meta = new ObjectMapper().readTree(version.resolve("assets.extra/spinal.json").toFile());
    assertThat(meta.get("data").get("skipped_files").asInt()).isEqualTo(1);
    assertClassNamesFlow(version, CLASSES, d.resolve("img/cat/0.png"), "CSV list");

    // spinal export re-reads the same data from config.json
    CliTest.Run exported = CliTest.run("export", "--run", run.toString(), "--out", export.toString());
    assertThat(exported.exit()).as(exported.err()).isZero();
    assertThat(Files.readAllLines(export.resolve("2/assets.extra/classes.txt"))).isEqualTo(CLASSES);
  }

  @Test
  void repackagedRegistryCopyIsRefusedNamingNoVerifyWhichLoadsIt() throws IOException {
    Path d = dir.resolve("mnist");
    idxFiles(d, "train", "t10k", 30, 9);
    CliTest.Run r = CliTest.run("train", "--dataset", "mnist", "--data-path", d.toString(), "--backbone",
        "flatten", "--epochs", "1", "--batch", "8", "--no-progress", "--out", dir.resolve("r1").toString());
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("train-images-idx3-ubyte.gz: file MD5 is", "but the registry expects",
        "--no-verify loads it anyway").doesNotContain("DataOptions");
    CliTest.Run ok = CliTest.run("train", "--dataset", "mnist", "--data-path", d.toString(), "--no-verify",
        "--backbone", "flatten", "--width", "16", "--depth", "2", "--epochs", "1", "--batch", "8", "--no-progress",
        "--out", dir.resolve("r2").toString());
    assertThat(ok.exit()).as(ok.err()).isZero();
  }

  /** Parses {@code spinal train} flags into the config the command would run. */
  static final class TrainCommandParse {
    TrainConfig config(String... args) {
      TrainCommand command = new TrainCommand();
      new picocli.CommandLine(command).parseArgs(args);
      return command.config();
    }
  }
}
