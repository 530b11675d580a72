package dev.spinal.cli;

import dev.spinal.core.heads.HeadKind;
import dev.spinal.datasets.DatasetInfo;
import dev.spinal.datasets.DatasetSplits;
import dev.spinal.datasets.ImageDataset;
import dev.spinal.train.OptimizerKind;
import dev.spinal.train.TrainConfig;
import dev.spinal.train.TrainResult;
import dev.spinal.train.Trainer;
import dev.spinal.train.TrainingGraph;
import dev.spinal.train.batches.FeatureCache;
import dev.spinal.train.batches.FeatureExtractor;
import dev.spinal.core.backbones.Backbone;
import dev.spinal.core.heads.HeadSpec;
import dev.spinal.core.model.Model;
import dev.spinal.train.Optimizer;
import dev.spinal.train.Runs;
import dev.spinal.savedmodel.SavedModelBackbone;
import dev.spinal.datasets.Batch;
import dev.spinal.datasets.BatchStream;
import dev.spinal.datasets.Normalization;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code spinal transfer-bench}: (1) the frozen-feature speed-up: head training on cached features vs
 * running the frozen backbone on every step (as the paper's scripts do); (2) the transfer comparison
 * on Fashion-MNIST classes the backbone never saw, with few labels per class.
 */
@Command(name = "transfer-bench", description = {
    "Transfer learning measurements: the frozen-feature speed-up over recomputing the backbone every epoch,"
        + " and a pretrained backbone + heads vs training from scratch on few labels of unseen classes."})
final class TransferBenchCommand implements Callable<Integer> {

  @Option(names = "--models", defaultValue = "saved-models", description = "Folder holding the backbone"
      + " SavedModels fmnist04-cnn and fmnist04-cnn-graph (saved-models/ of the checkout).")
  Path models;

  @Option(names = "--classes", defaultValue = "5,6,7,8,9", split = ",",
      description = "Fashion-MNIST classes of the transfer task (fmnist04-cnn saw 0-4).")
  int[] classes;

  @Option(names = "--per-class", defaultValue = "100", description = "Labelled training images per class.")
  int perClass;

  @Option(names = "--epochs", defaultValue = "20", description = "Epochs of each transfer run.") int epochs;
  @Option(names = "--seed", defaultValue = "1", description = "Seed of the splits, weights and data order.")
  long seed;
  @Option(names = "--speed-images", defaultValue = "10000",
      description = "Training images for the speed measurement (0: skip it).")
  int speedImages;

  @Option(names = "--skip-comparison", description = "Only the speed measurement, not the transfer runs.")
  boolean skipComparison;

  @Override
  public Integer call() throws Exception {
    DatasetSplits full = Runs.loadData("fashion-mnist", null, 0, seed);
    if (speedImages > 0) {
      speed(full.train().first(speedImages));
    }
    if (!skipComparison) {
      compare(full);
    }
    return 0;
  }

  private TrainConfig config(String backbone, HeadKind head, boolean fineTune, int batch) {
    return TrainConfig.builder().dataset("fashion-mnist").backbone(backbone).head(head).width(64).depth(4)
        .dropout(0.2).optimizer(OptimizerKind.ADAM).learningRate(0.001).batchSize(batch).epochs(epochs)
        .seed(seed).keepCheckpoints(1).fineTune(fineTune).build();
  }

  /**
   * Per-epoch seconds of head training on cached features vs backbone + head on every step, both
   * through the trainer's loop (its epoch time excludes evaluation).
   */
  private void speed(ImageDataset train) throws Exception {
    Path dir = models.resolve("fmnist04-cnn");
    SavedModelBackbone backbone = SavedModelBackbone.load(dir, 28, 28, 1, false);
    HeadSpec spec = HeadSpec.builder().inputSize(backbone.featureSize()).width(64).depth(4).classes(10).dropout(0.2)
        .build();
    Model frozen = Model.builder().backbone(backbone).head(HeadKind.PROGRESSIVE.create(spec)).build();
    ImageDataset validation = train.first(64);
    Trainer trainer = Trainer.builder().optimizer(Optimizer.adam(0.001)).batchSize(64).epochs(3).seed(seed).build();
    FeatureCache cache;
    try (FeatureExtractor fx = new FeatureExtractor(frozen, seed, null)) {
      fx.extract(train.first(512), 256); // warm-up
      cache = fx.extract(train, 256);
    }
    // epochs 2 and 3: the first pays for graph optimisation and allocation
    TrainResult onFeatures = trainer.fit(frozen, train, validation);
    double headEpoch = (onFeatures.history().get(1).seconds() + onFeatures.history().get(2).seconds()) / 2;
    TrainResult full = trainer.toBuilder().epochs(2).build()
        .fit(frozen.withBackbone(new RecomputedEveryStep(backbone)), train, validation);
    double fullEpoch = full.history().get(1).seconds();
    System.out.printf("speed: fmnist04-cnn (tf2) + progressive head (width 64, depth 4), batch 64, %d training"
        + " images, 2 CPU threads as scheduled by TF%n", train.size());
    System.out.printf("  features once (backbone forward, batch 256): %.2f s (%.0f images/s)%n", cache.seconds(),
        train.size() / cache.seconds());
    System.out.printf("  epoch, head on cached features:              %.3f s (%.0f images/s)%n", headEpoch,
        train.size() / headEpoch);
    System.out.printf("  epoch, frozen backbone run on every step:    %.3f s (%.0f images/s)%n", fullEpoch,
        train.size() / fullEpoch);
    for (int e : new int[] {1, 10, 30}) {
      double cached = cache.seconds() + e * headEpoch;
      double recompute = e * fullEpoch;
      System.out.printf("  %2d epochs: cached %.1f s vs recomputed %.1f s: %.1fx%n", e, cached, recompute,
          recompute / cached);
    }
  }

  /** A frozen backbone that reports itself trainable, so that the trainer runs it on every step. */
  private record RecomputedEveryStep(Backbone inner) implements Backbone {
    @Override
    public org.tensorflow.ndarray.Shape imageShape() {
      return inner.imageShape();
    }

    @Override
    public long featureSize() {
      return inner.featureSize();
    }

    @Override
    public <T extends org.tensorflow.types.family.TFloating> org.tensorflow.Operand<T> build(
        dev.spinal.core.GraphContext ctx, org.tensorflow.Operand<T> images) {
      return inner.build(ctx, images);
    }

    @Override
    public org.tensorflow.op.core.Placeholder<org.tensorflow.types.TFloat32> createInput(
        dev.spinal.core.GraphContext ctx, String name) {
      return inner.createInput(ctx, name);
    }

    @Override
    public boolean preprocessesItself() {
      return inner.preprocessesItself();
    }

    @Override
    public void initialize(org.tensorflow.Session session) {
      inner.initialize(session);
    }

    @Override
    public long parameterCount() {
      return inner.parameterCount();
    }

    @Override
    public long flopsPerExample() {
      return inner.flopsPerExample();
    }

    @Override
    public String name() {
      return inner.name();
    }
  }


  /** Subset of {@code split}: the first {@code perClass} images of each class in {@link #classes} (all if <= 0), relabelled. */
  private ImageDataset subset(ImageDataset split, String name, int limitPerClass) {
    int[] labels = split.labels();
    List<Integer> keep = new ArrayList<>();
    int[] taken = new int[classes.length];
    for (int i = 0; i < labels.length; i++) {
      for (int k = 0; k < classes.length; k++) {
        if (labels[i] == classes[k] && (limitPerClass <= 0 || taken[k] < limitPerClass)) {
          taken[k]++;
          keep.add(i);
        }
      }
    }
    int n = keep.size();
    int bytes = split.imageBytes();
    byte[] pixels = new byte[n * bytes];
    int[] newLabels = new int[n];
    for (int j = 0; j < n; j++) {
      int i = keep.get(j);
      split.copyImage(i, pixels, j * bytes);
      for (int k = 0; k < classes.length; k++) {
        if (labels[i] == classes[k]) {
          newLabels[j] = k;
        }
      }
    }
    List<String> names = new ArrayList<>();
    for (int c : classes) {
      names.add(split.classNames().get(c));
    }
    return ImageDataset.of(name, pixels, split.height(), split.width(), split.channels(), newLabels, names);
  }

  private void compare(DatasetSplits full) throws Exception {
    DatasetSplits task = new DatasetSplits(subset(full.train(), "train", perClass),
        subset(full.validation(), "validation", perClass), subset(full.test(), "test", 0), full.info());
    System.out.printf("%ntransfer: Fashion-MNIST classes %s, %d labelled training images (%d per class), %d"
            + " validation, %d test images; %d epochs, Adam 0.001, batch 32, width 64, depth 4, dropout 0.2,"
            + " seed %d; result = test accuracy at the best validation epoch%n", Arrays.toString(classes),
        task.train().size(), perClass, task.validation().size(), task.test().size(), epochs, seed);
    String cnn = models.resolve("fmnist04-cnn").toString();
    String cnnGraph = models.resolve("fmnist04-cnn-graph").toString();
    record Row(String label, TrainConfig config) {}
    List<Row> rows = List.of(
        new Row("fmnist04-cnn frozen + ProgressiveSpinal", config(cnn, HeadKind.PROGRESSIVE, false, 32)),
        new Row("fmnist04-cnn frozen + SpinalHead", config(cnn, HeadKind.SPINAL, false, 32)),
        new Row("fmnist04-cnn frozen + DenseHead", config(cnn, HeadKind.DENSE, false, 32)),
        new Row("fmnist04-cnn-graph fine-tuned + ProgressiveSpinal", config(cnnGraph, HeadKind.PROGRESSIVE, true, 32)),
        new Row("VGG-5 from scratch + ProgressiveSpinal", config("vgg5", HeadKind.PROGRESSIVE, false, 32)),
        new Row("pixels (flatten) from scratch + ProgressiveSpinal", config("flatten", HeadKind.PROGRESSIVE, false, 32)));
    Path tmp = Files.createTempDirectory("spinal-transfer-bench-");
    PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
    System.out.printf("%-52s %9s %9s %8s %9s%n", "model", "test acc", "val acc", "epoch", "seconds");
    int i = 0;
    for (Row row : rows) {
      Runs.Options options = Runs.Options.of(tmp.resolve("run" + i++)).withProgress(false).withLog(quiet);
      TrainResult r = Runs.start(row.config(), options, task);
      System.out.printf("%-52s %8.2f%% %8.2f%% %8d %9.1f%n", row.label(), 100 * r.testAccuracy(),
          100 * r.validationAccuracy(), r.bestEpoch(), r.seconds());
    }
  }
}
