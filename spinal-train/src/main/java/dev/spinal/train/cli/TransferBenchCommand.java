package dev.spinal.train.cli;

import dev.spinal.core.heads.HeadKind;
import dev.spinal.datasets.DatasetInfo;
import dev.spinal.datasets.DatasetSplits;
import dev.spinal.datasets.ImageDataset;
import dev.spinal.train.OptimizerKind;
import dev.spinal.train.TrainConfig;
import dev.spinal.train.TrainResult;
import dev.spinal.train.Trainer;
import dev.spinal.train.TrainingGraph;
import dev.spinal.train.transfer.FeatureCache;
import dev.spinal.train.transfer.FeatureExtractor;
import dev.spinal.train.transfer.SavedModelBackbone;
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
    "Transfer learning measurements (issue 5): frozen-feature speed-up over recomputing the backbone every"
        + " epoch, and pretrained backbone + heads vs training from scratch on few labels of unseen classes."})
final class TransferBenchCommand implements Callable<Integer> {

  @Option(names = "--models", defaultValue = "saved-models", description = "Folder with the committed backbones.")
  Path models;

  @Option(names = "--classes", defaultValue = "5,6,7,8,9", split = ",",
      description = "Fashion-MNIST classes of the transfer task (fmnist04-cnn saw 0-4).")
  int[] classes;

  @Option(names = "--per-class", defaultValue = "100", description = "Labelled training images per class.")
  int perClass;

  @Option(names = "--epochs", defaultValue = "20") int epochs;
  @Option(names = "--seed", defaultValue = "1") long seed;
  @Option(names = "--speed-images", defaultValue = "10000",
      description = "Training images for the speed measurement (0: skip it).")
  int speedImages;

  @Option(names = "--skip-comparison", description = "Only the speed measurement.") boolean skipComparison;

  @Override
  public Integer call() throws Exception {
    DatasetSplits full = Trainer.loadData("fashion-mnist", null, 0, seed);
    if (speedImages > 0) {
      speed(full.train().first(speedImages));
    }
    if (!skipComparison) {
      compare(full);
    }
    return 0;
  }

  private TrainConfig config(String backbone, HeadKind head, boolean fineTune, int batch) {
    return new TrainConfig("fashion-mnist", null, 0, backbone, head, 64, 4, 0.2, false, OptimizerKind.ADAM, 0.001,
        0.9, batch, epochs, "constant", seed, false, 1, fineTune);
  }

  /** Per-epoch seconds of head training on cached features vs backbone + head on every step. */
  private void speed(ImageDataset train) throws Exception {
    Path dir = models.resolve("fmnist04-cnn");
    SavedModelBackbone backbone = SavedModelBackbone.load(dir, 28, 28, 1, false);
    TrainConfig config = config(dir.toString(), HeadKind.PROGRESSIVE, false, 64);
    FeatureCache cache;
    try (FeatureExtractor fx = new FeatureExtractor(backbone, null)) {
      fx.extract(train.first(512), 256); // warm-up
      cache = fx.extract(train, 256);
    }
    int d = (int) backbone.featureSize();
    int batches = train.size() / 64;
    double headEpoch;
    try (TrainingGraph head = TrainingGraph.build(config, new dev.spinal.core.backbones.FlattenBackbone(1, 1, d),
        10, new float[] {0}, new float[] {1}, null)) {
      int[] order = new int[cache.size()];
      Arrays.setAll(order, i -> i);
      headEpoch = timeEpochs(2, () -> {
        for (int b = 0; b < batches; b++) {
          try (var x = cache.batch(order, b * 64, b * 64 + 64); var y = cache.labels(order, b * 64, b * 64 + 64)) {
            head.trainStep(x, y, b);
          }
        }
      });
    }
    double fullEpoch;
    try (TrainingGraph model = TrainingGraph.build(config, backbone, 10, new float[] {0}, new float[] {1}, null)) {
      fullEpoch = timeEpochs(1, () -> {
        try (BatchStream stream = BatchStream.builder(train).batchSize(64).normalize(Normalization.UNIT)
            .prefetch(3).dropLast(true).build()) {
          long step = 0;
          while (stream.hasNext()) {
            try (Batch b = stream.next()) {
              model.trainStep(b.images(), b.labels(), step++);
            }
          }
        }
      });
    }
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

  private static double timeEpochs(int n, Runnable epoch) {
    epoch.run(); // warm-up (graph optimisation, allocation)
    long t0 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      epoch.run();
    }
    return (System.nanoTime() - t0) / 1e9 / n;
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
      Trainer.Options options = new Trainer.Options(tmp.resolve("run" + i++), null, false, null, quiet, 500, 0);
      TrainResult r = Trainer.train(row.config(), options, task);
      System.out.printf("%-52s %8.2f%% %8.2f%% %8d %9.1f%n", row.label(), 100 * r.testAccuracy(),
          100 * r.validationAccuracy(), r.bestEpoch(), r.seconds());
    }
  }
}
