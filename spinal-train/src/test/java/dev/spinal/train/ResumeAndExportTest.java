package dev.spinal.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.spinal.core.heads.HeadKind;
import dev.spinal.core.model.Model;
import dev.spinal.datasets.Batch;
import dev.spinal.datasets.BatchStream;
import dev.spinal.datasets.DatasetSplits;
import dev.spinal.datasets.Normalization;
import dev.spinal.savedmodel.ExportedModel;
import dev.spinal.savedmodel.ModelExporter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
    return TrainConfig.builder()
        .dataset("fashion-mnist").limit(3000).backbone("flatten")
        .head(HeadKind.PROGRESSIVE).width(32).depth(3).dropout(0.3).batchNorm(true)
        .optimizer(OptimizerKind.ADAM).learningRate(0.002).momentum(0)
        .batchSize(50).epochs(2).schedule("plateau-cube").seed(11).augment(true).keepCheckpoints(3)
        .build();
  }

  static Runs.Options options(Path run) {
    return Runs.Options.of(run).withProgress(false);
  }

  @BeforeAll
  static void trainOnce() {
    uninterrupted = Runs.start(config(), options(dir.resolve("full")).withExport(dir.resolve("export")));
  }

  @Test
  void resumedRunEndsWithTheSameWeights() throws IOException {
    Path run = dir.resolve("interrupted");
    TrainResult first = Runs.start(config(), options(run).stoppingAfter(1));
    assertThat(first.stoppedEarly()).isTrue();
    assertThat(first.history()).hasSize(1);
    TrainResult resumed = Runs.resume(options(run));
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
    DatasetSplits data = Runs.loadData(config());
    Model model = Runs.model(config(), data.train());
    try (TrainingGraph g = TrainingGraph.build(model, Runs.trainer(config()).build().optimizer(), config().seed(),
        Precision.FP32, null)) {
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

    DatasetSplits data = Runs.loadData(config());
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

  @Test
  void newExportsTakeTheNextVersionAndNeverOverwrite() throws IOException {
    Path base = dir.resolve("versions");
    Files.createDirectories(base.resolve("7"));
    Files.writeString(base.resolve("7/marker"), "keep");
    assertThat(ModelExporter.nextVersion(base)).isEqualTo(8);

    // two real exports of the uninterrupted run's best checkpoint into a base that holds 7/ already
    DatasetSplits data = Runs.loadData(config());
    Path best = dir.resolve("full/checkpoints/best");
    Path first = Runs.exportCheckpoint(config(), best, data.train(), base, Map.of("export", "first"));
    Path second = Runs.exportCheckpoint(config(), best, data.train(), base, Map.of("export", "second"));
    assertThat(first).isEqualTo(base.resolve("8"));
    assertThat(second).isEqualTo(base.resolve("9"));
    assertThat(base.resolve("7/marker")).hasContent("keep");
    try (Stream<Path> s = Files.list(base.resolve("7"))) {
      assertThat(s.map(p -> p.getFileName().toString())).containsExactly("marker");
    }
    assertThat(Files.readString(first.resolve("assets.extra/spinal.json"))).contains("\"first\"", "\"version\" : 8");
    assertThat(Files.readString(second.resolve("assets.extra/spinal.json"))).contains("\"second\"", "\"version\" : 9");

    // each version is a loadable SavedModel, and the same weights give the same probabilities
    try (BatchStream stream = BatchStream.builder(data.test().first(16)).batchSize(16)
            .normalize(Normalization.UNIT).build();
        Batch b = stream.next();
        ExportedModel eight = ExportedModel.load(first);
        ExportedModel nine = ExportedModel.load(second);
        ExportedModel latest = ExportedModel.load(base)) {
      assertThat(eight.dir()).isEqualTo(first);
      assertThat(nine.dir()).isEqualTo(second);
      assertThat(latest.dir()).isEqualTo(second);
      assertThat(eight.classNames()).hasSize(10).contains("Ankle boot");
      assertThat(nine.probabilities(b.images())).containsExactly(eight.probabilities(b.images()));
    }
    assertThat(ModelExporter.nextVersion(base)).isEqualTo(10);
  }

  /** A run's files and its export are readable by other users, as files written directly would be. */
  @Test
  void theRunAndItsExportAreReadableByOtherUsers() throws IOException {
    for (Path root : List.of(dir.resolve("full"), uninterrupted.exportDir())) {
      try (Stream<Path> files = Files.walk(root)) {
        for (Path p : files.toList()) {
          assertThat(Files.getPosixFilePermissions(p)).as(p.toString())
              .contains(java.nio.file.attribute.PosixFilePermission.OTHERS_READ);
        }
      }
    }
    assertThat(dir.resolve("full/result.json")).exists();
    assertThat(dir.resolve("full/curves.png")).exists();
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
    for (Event event : TensorBoardEvents.read(file)) {
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
}
