package dev.spinal.train.transfer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.spinal.core.backbones.FlattenBackbone;
import dev.spinal.core.heads.HeadKind;
import dev.spinal.core.model.Model;
import dev.spinal.core.model.ModelGraph;
import dev.spinal.datasets.Batch;
import dev.spinal.datasets.BatchStream;
import dev.spinal.datasets.DatasetSplits;
import dev.spinal.datasets.ImageDataset;
import dev.spinal.datasets.Normalization;
import dev.spinal.savedmodel.ExportedModel;
import dev.spinal.savedmodel.SavedModelBackbone;
import dev.spinal.train.Checkpoints;
import dev.spinal.train.OptimizerKind;
import dev.spinal.train.Precision;
import dev.spinal.train.PythonCheck;
import dev.spinal.train.Runs;
import dev.spinal.train.TrainConfig;
import dev.spinal.train.TrainResult;
import dev.spinal.train.TrainingGraph;
import dev.spinal.train.batches.FeatureExtractor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tensorflow.Result;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

/**
 * Transfer learning end to end on real Fashion-MNIST (small subsets): frozen and fine-tuned runs on
 * the committed backbones, and their backbone + head exports. The exports and a batch with Java's
 * outputs are left in {@code target/python-check/} for run-tests' Python check (TF Python loads each
 * export and must reproduce Java's outputs to 1e-5).
 */
class TransferTrainingTest {

  static final Path MODELS = Path.of("..", "saved-models").toAbsolutePath().normalize();
  static final Path PYTHON_CHECK = PythonCheck.DIR;

  static TrainConfig config(String backbone, int limit, int epochs, boolean fineTune) {
    return TrainConfig.builder()
        .dataset("fashion-mnist").limit(limit).backbone(folder(backbone).toString())
        .head(HeadKind.PROGRESSIVE).width(64).depth(3).dropout(0.2).batchNorm(false)
        .optimizer(OptimizerKind.ADAM).learningRate(0.001).momentum(0.9)
        .batchSize(64).epochs(epochs).schedule("constant").seed(3).augment(false).keepCheckpoints(2)
        .fineTune(fineTune)
        .build();
  }

  /** A committed backbone of saved-models/, or a pretrained one of this machine's cache. */
  static Path folder(String backbone) {
    return dev.spinal.train.PretrainedBackbones.fromEnvironment().resolve(backbone).orElse(MODELS.resolve(backbone));
  }

  static Runs.Options options(Path run) {
    return Runs.Options.of(run).withProgress(false);
  }

  @Test
  void frozenCnnHeadTrainsOnCachedFeaturesAndExportsOneSavedModel(@TempDir Path dir) throws Exception {
    TrainConfig config = config("fmnist04-cnn", 2000, 4, false);
    Path base = dir.resolve("export");
    TrainResult result = Runs.start(config, options(dir.resolve("run")).withExport(base));
    // features pretrained on classes 0-4 only; a head on 2000 images of all ten classes
    assertThat(result.testAccuracy()).isGreaterThan(0.70);
    assertThat(dir.resolve("run/checkpoints/best/variables.index")).exists();
    try (Stream<Path> events = Files.list(dir.resolve("run/tensorboard"))) {
      assertThat(events.filter(p -> p.getFileName().toString().startsWith("events.out.tfevents"))).isNotEmpty();
    }
    // the export reproduces the run's test accuracy on the same test images
    DatasetSplits data = Runs.loadData("fashion-mnist", null, 2000, 3);
    try (ExportedModel model = ExportedModel.load(base)) {
      assertThat(model.imageShape()).isEqualTo(Shape.of(28, 28, 1));
      assertThat(accuracy(model, data.test())).isEqualTo(result.testAccuracy());
      writePythonCheck("fmnist04-cnn-frozen", model, data.test(), 16);
    }
    Files.copy(dir.resolve("run/tensorboard").toFile().listFiles()[0].toPath(),
        Files.createDirectories(PYTHON_CHECK.resolve("tensorboard")).resolve("events.out.tfevents.spinal-test"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  /**
   * The CNN's two exports (the flat graph one as it is, Keras' tf2 one inlined at load) and MobileNetV2
   * as Keras exports it (tf2: depthwise convolutions, whose gradient Spinal registers, and 52 batch norms,
   * here with their scale and offset trained, for 4 steps), and the ImageNet-pretrained EfficientNet-Lite0
   * (tf2, 2 steps; skipped when this machine has not built it): the exported backbone's features differ from
   * the original backbone's, and the export gives the run's test accuracy.
   */
  @ParameterizedTest
  @CsvSource({"fmnist04-cnn-graph, false, 640, 0", "fmnist04-cnn, false, 640, 0", "mobilenetv2-32, true, 256, 4",
      "efficientnet-lite0, false, 48, 2"})
  void fineTuningTrainsBackboneWeightsAndExportsThem(String backbone, boolean batchNorm, int limit, int maxSteps,
      @TempDir Path dir) throws Exception {
    assumeTrue(Files.isDirectory(folder(backbone)), backbone + " is not built on this machine: run"
        + " bash saved-models/make_backbones.sh " + backbone);
    TrainConfig config = config(backbone, limit, 1, true).toBuilder().fineTuneBatchNorm(batchNorm)
        .maxSteps(maxSteps).batchSize(limit < 128 ? 16 : 64).build();
    Path base = dir.resolve("export");
    TrainResult result = Runs.start(config, options(dir.resolve("run")).withExport(base));
    assertThat(result.history()).hasSize(1);
    DatasetSplits data = Runs.loadData("fashion-mnist", null, limit, 3);
    // the same backbone as it was before training: loaded frozen, its own weights
    Model untrained = Runs.model(config.toBuilder().fineTune(false).fineTuneBatchNorm(false).build(), data.train());
    assertThat(untrained.backbone().frozen()).isTrue();
    try (ExportedModel model = ExportedModel.load(base);
        FeatureExtractor before = new FeatureExtractor(untrained, config.seed(), null);
        TFloat32 x = firstImages(data.test(), 4)) {
      // the exported backbone's weights moved: its features differ from the original backbone's
      float[] original = before.features(x);
      float[] tuned = fetch(model, x, featureTensor(config));
      double maxDiff = 0;
      for (int i = 0; i < original.length; i++) {
        maxDiff = Math.max(maxDiff, Math.abs(original[i] - tuned[i]));
      }
      assertThat(maxDiff).isGreaterThan(1e-4);
      assertThat(accuracy(model, data.test())).isEqualTo(result.testAccuracy());
      writePythonCheck(backbone + (batchNorm ? "-bn" : "") + "-finetuned", model, data.test(), 8);
    }
  }

  /**
   * MobileNetV2 (alpha 0.35, {@code weights=None}: random weights, so no accuracy is promised) reads
   * 32x32 RGB: the export takes 28x28 gray images, resizes and repeats them to RGB itself, and gives
   * what the run computed in-process: the same test accuracy as the trainer reported (on features cached
   * through the same backbone), and, for real test images, the classes and probabilities of the best
   * checkpoint's head applied to the backbone's in-process features.
   */
  @Test
  void mobileNetTakesGrayTwentyEightPixelImagesResizedToItsInput(@TempDir Path dir) throws Exception {
    TrainConfig config = config("mobilenetv2-32", 300, 1, false);
    Path base = dir.resolve("export");
    TrainResult result = Runs.start(config, options(dir.resolve("run")).withExport(base));
    assertThat(result.history()).hasSize(1);
    assertThat(result.stoppedEarly()).isFalse();
    DatasetSplits data = Runs.loadData("fashion-mnist", null, 300, 3);
    Model model = Runs.model(config, data.train());
    assertThat(model.backbone().frozen()).isTrue();
    assertThat(model.backbone().featureSize()).isEqualTo(1280);
    int n = 16;
    try (ExportedModel export = ExportedModel.load(base); TFloat32 x = firstImages(data.test(), n)) {
      assertThat(export.imageShape()).isEqualTo(Shape.of(28, 28, 1));
      assertThat(export.classNames()).hasSize(10);
      assertThat(accuracy(export, data.test())).isEqualTo(result.testAccuracy());

      // in-process: the backbone's features of the same images, then the best checkpoint's head on them
      // (what the trainer trained: a head on [b, 1, 1, 1280] cached features)
      long d = model.backbone().featureSize();
      Model head = Model.builder().backbone(new FlattenBackbone(1, 1, d)).head(model.head()).build();
      float[] features;
      try (FeatureExtractor fx = new FeatureExtractor(model, config.seed(), null)) {
        features = fx.features(x);
      }
      assertThat(features).hasSize((int) (n * d));
      long[] expectedClasses;
      float[] expectedProbabilities;
      try (TrainingGraph g = TrainingGraph.build(head, Runs.trainer(config).build().optimizer(), config.seed(),
              Precision.FP32, null);
          TFloat32 f = TFloat32.tensorOf(Shape.of(n, 1, 1, d), DataBuffers.of(features, true, false))) {
        Checkpoints.restore(g.session(), dir.resolve("run/checkpoints/best"));
        expectedClasses = g.predict(f);
        ModelGraph inference = g.inference();
        try (Result r = inference.session().runner().feed(inference.images(), f)
            .fetch(inference.classifier().probabilities()).run()) {
          TFloat32 p = (TFloat32) r.get(0);
          expectedProbabilities = new float[(int) p.shape().size()];
          p.asRawTensor().data().asFloats().read(expectedProbabilities);
        }
      }
      assertThat(export.classify(x)).containsExactly(expectedClasses);
      float[] probabilities = export.probabilities(x);
      assertThat(probabilities).containsExactly(expectedProbabilities, within(1e-5f));
      // (no claim that the outputs depend on the image: with random weights this MobileNet's pooled
      // features come out the same for different test images, measured)
      writePythonCheck("mobilenetv2-32-frozen", export, data.test(), 8);
    }
  }

  /** The backbone's feature tensor in the run's graphs and exports. */
  static String featureTensor(TrainConfig config) {
    return SavedModelBackbone.load(Path.of(config.backbone()), 28, 28, 1, config.backboneTraining())
        .featureTensorName();
  }

  @Test
  void augmentingAFrozenBackboneIsRefusedWithTheReason(@TempDir Path dir) {
    assertThatThrownBy(() -> Runs.start(config("fmnist04-cnn", 100, 1, false).withAugment(true),
        options(dir.resolve("run"))))
        .hasMessageContaining("--augment does not combine with a frozen SavedModel backbone");
    assertThatThrownBy(() -> config("fmnist04-cnn", 100, 1, false).toBuilder().fineTuneBatchNorm(true).build())
        .hasMessageContaining("--fine-tune-batch-norm")
        .hasMessageContaining("add --fine-tune");
  }

  static double accuracy(ExportedModel model, ImageDataset split) {
    long correct = 0;
    try (BatchStream stream = BatchStream.builder(split).batchSize(500).normalize(Normalization.UNIT)
        .dropLast(false).build()) {
      while (stream.hasNext()) {
        try (Batch b = stream.next()) {
          long[] predicted = model.classify(b.images());
          int[] labels = new int[b.size()];
          b.labels().asRawTensor().data().asInts().read(labels);
          for (int i = 0; i < labels.length; i++) {
            correct += predicted[i] == labels[i] ? 1 : 0;
          }
        }
      }
    }
    return (double) correct / split.size();
  }

  static TFloat32 firstImages(ImageDataset split, int n) {
    int hwc = split.height() * split.width() * split.channels();
    float[] x = new float[n * hwc];
    byte[] image = new byte[hwc];
    for (int i = 0; i < n; i++) {
      split.copyImage(i, image, 0);
      for (int k = 0; k < hwc; k++) {
        x[i * hwc + k] = (image[k] & 0xff) / 255f;
      }
    }
    return TFloat32.tensorOf(Shape.of(n, split.height(), split.width(), split.channels()),
        DataBuffers.of(x, true, false));
  }

  static float[] fetch(ExportedModel model, TFloat32 images, String tensor) {
    var bundle = model.bundle();
    try (Result r = bundle.session().runner()
        .feed(bundle.metaGraphDef().getSignatureDefMap().get("serving_default").getInputsMap().get("images")
            .getName(), images)
        .fetch(tensor).run()) {
      TFloat32 t = (TFloat32) r.get(0);
      float[] out = new float[(int) t.shape().size()];
      t.asRawTensor().data().asFloats().read(out);
      return out;
    }
  }

  /** Leaves the export and Java's outputs for the first {@code n} images of {@code split} for Python. */
  static void writePythonCheck(String name, ExportedModel model, ImageDataset split, int n) throws Exception {
    try (TFloat32 x = firstImages(split, n)) {
      PythonCheck.write(name, model, x);
    }
  }
}
