package dev.spinal.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.spinal.core.heads.HeadKind;
import dev.spinal.datasets.Batch;
import dev.spinal.datasets.BatchStream;
import dev.spinal.datasets.DatasetSplits;
import dev.spinal.datasets.Normalization;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.Event;
import org.tensorflow.proto.Summary;

/**
 * One uninterrupted run, and the same run stopped after epoch 1 and resumed: same weights. Then the
 * uninterrupted run's export, read back by TF Java's SavedModel loader: same predictions and the
 * trainer's test accuracy exactly. And its TensorBoard events, read back as TF's Event protos.
 */
class ResumeAndExportTest {

  @TempDir static Path dir;
  static TrainResult uninterrupted;

  /** VGG-5 would take minutes here; the flatten backbone keeps dropout, Adam and the full loop. */
  static TrainConfig config() {
    return new TrainConfig("fashion-mnist", null, 3000, "flatten", HeadKind.PROGRESSIVE, 32, 3, 0.3, true,
        OptimizerKind.ADAM, 0.002, 0, 50, 2, "plateau-cube", 11, true, 3);
  }

  static Trainer.Options options(Path run) {
    return Trainer.Options.of(run).withProgress(false);
  }

  @BeforeAll
  static void trainOnce() {
    uninterrupted = Trainer.train(config(), options(dir.resolve("full")).withExport(dir.resolve("export")));
  }

  @Test
  void resumedRunEndsWithTheSameWeights() throws IOException {
    Path run = dir.resolve("interrupted");
    TrainResult first = Trainer.train(config(), options(run).stoppingAfter(1));
    assertThat(first.stoppedEarly()).isTrue();
    assertThat(first.history()).hasSize(1);
    TrainResult resumed = Trainer.resume(options(run));
    assertThat(resumed.history()).hasSize(2);
    assertThat(resumed.history().get(1).trainLoss())
        .isCloseTo(uninterrupted.history().get(1).trainLoss(), within(1e-6));

    double[] a = weightsOf(dir.resolve("full/checkpoints/epoch-0002"));
    double[] b = weightsOf(run.resolve("checkpoints/epoch-0002"));
    assertThat(a).hasSameSizeAs(b);
    for (int i = 0; i < a.length; i++) {
      assertThat(b[i]).as("weight %d", i).isCloseTo(a[i], within(1e-5));
    }
  }

  static double[] weightsOf(Path checkpoint) {
    DatasetSplits data = Trainer.loadData(config());
    var train = data.train();
    var backbone = Backbones.resolve("flatten", train.height(), train.width(), train.channels());
    try (TrainingGraph g = TrainingGraph.build(config(), backbone, 10, new float[] {0.1307f},
        new float[] {0.3081f}, null)) {
      Checkpoints.restore(g.session(), checkpoint);
      return g.trainableWeights();
    }
  }

  @Test
  void exportReloadsWithTheTrainersTestAccuracy() throws IOException {
    Path export = uninterrupted.exportDir();
    assertThat(export).isEqualTo(dir.resolve("export/1"));
    assertThat(export.resolve("saved_model.pb")).exists();
    assertThat(Files.readAllLines(export.resolve("assets.extra/classes.txt"))).hasSize(10).contains("Ankle boot");

    DatasetSplits data = Trainer.loadData(config());
    long correct = 0;
    try (ExportedModel model = ExportedModel.load(dir.resolve("export"));
        BatchStream stream = BatchStream.builder(data.test()).batchSize(128).normalize(Normalization.UNIT)
            .dropLast(false).build()) {
      assertThat(model.imageShape().asArray()).containsExactly(28, 28, 1);
      while (stream.hasNext()) {
        try (Batch b = stream.next()) {
          long[] predicted = model.classify(b.images());
          for (int i = 0; i < predicted.length; i++) {
            if (predicted[i] == data.test().label(b.indices()[i])) {
              correct++;
            }
          }
        }
      }
    }
    assertThat((double) correct / data.test().size()).isEqualTo(uninterrupted.testAccuracy());
  }

  /** `spinal predict` on an image file: decodes the PNG, sizes it to the model, prints class names. */
  @Test
  void predictCommandClassifiesAnImageFile() throws IOException {
    DatasetSplits data = Trainer.loadData(config());
    byte[] pixels = data.test().image(0);
    java.awt.image.BufferedImage png =
        new java.awt.image.BufferedImage(28, 28, java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
    png.getRaster().setDataElements(0, 0, 28, 28, pixels);
    Path file = dir.resolve("test0.png");
    javax.imageio.ImageIO.write(png, "png", file.toFile());

    long expected;
    try (ExportedModel model = ExportedModel.load(dir.resolve("export"));
        BatchStream one = BatchStream.builder(data.test().first(1)).batchSize(1).normalize(Normalization.UNIT).build();
        Batch b = one.next()) {
      expected = model.classify(b.images())[0];
    }
    String className = data.test().classNames().get((int) expected);
    CliTest.Run r = CliTest.run("predict", "--model", dir.resolve("export").toString(), "--top", "1", file.toString());
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out().strip()).startsWith(file + ": " + className + " ");
  }

  @Test
  void newExportsTakeTheNextVersionAndNeverOverwrite() throws IOException {
    Path base = dir.resolve("versions");
    Files.createDirectories(base.resolve("7"));
    Files.writeString(base.resolve("7/marker"), "keep");
    assertThat(ModelExporter.nextVersion(base)).isEqualTo(8);
    assertThat(base.resolve("7/marker")).hasContent("keep");
  }

  @Test
  void tensorBoardEventsReadBackAsTfEventProtos() throws IOException {
    Path logDir = dir.resolve("full/tensorboard");
    Path file;
    try (Stream<Path> s = Files.list(logDir)) {
      file = s.filter(p -> p.getFileName().toString().startsWith("events.out.tfevents")).findFirst().orElseThrow();
    }
    List<String> tags = new ArrayList<>();
    List<Float> accuracies = new ArrayList<>();
    for (Event event : readRecords(file)) {
      for (Summary.Value v : event.getSummary().getValueList()) {
        tags.add(v.getTag());
        if (v.getTag().equals("validation/accuracy")) {
          accuracies.add(v.hasTensor() ? v.getTensor().getFloatVal(0) : v.getSimpleValue());
        }
      }
    }
    assertThat(tags).contains("train/loss", "validation/accuracy", "learning_rate");
    assertThat(accuracies).hasSize(2);
    assertThat((double) accuracies.get(1))
        .isCloseTo(uninterrupted.history().get(1).validationAccuracy(), within(1e-6));
  }

  /** TFRecord framing: u64 length, u32 crc, payload, u32 crc (crcs not checked here). */
  static List<Event> readRecords(Path file) throws IOException {
    List<Event> events = new ArrayList<>();
    try (InputStream in = Files.newInputStream(file); DataInputStream data = new DataInputStream(in)) {
      byte[] header = new byte[12];
      while (true) {
        try {
          data.readFully(header);
        } catch (EOFException end) {
          return events;
        }
        long length = ByteBuffer.wrap(header, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        byte[] payload = new byte[Math.toIntExact(length)];
        data.readFully(payload);
        data.readFully(new byte[4]);
        events.add(Event.parseFrom(payload));
      }
    }
  }
}
