package dev.spinal.benchmarks;

import dev.spinal.core.backbones.Backbone;
import dev.spinal.core.backbones.FlattenBackbone;
import dev.spinal.core.backbones.Vgg5Backbone;
import dev.spinal.core.heads.HeadSpec;
import dev.spinal.core.heads.ProgressiveSpinalHead;
import dev.spinal.core.model.Model;
import dev.spinal.core.runtime.OneDnn;
import dev.spinal.datasets.DataOptions;
import dev.spinal.datasets.DatasetId;
import dev.spinal.datasets.DatasetSplits;
import dev.spinal.datasets.Datasets;
import dev.spinal.datasets.ImageDataset;
import dev.spinal.datasets.Normalization;
import dev.spinal.savedmodel.ExportedModel;
import dev.spinal.train.FitContext;
import dev.spinal.train.Optimizer;
import dev.spinal.train.TrainResult;
import dev.spinal.train.Trainer;
import dev.spinal.train.callbacks.Callback;
import dev.spinal.train.callbacks.Checkpointing;
import dev.spinal.train.callbacks.EpochLog;
import dev.spinal.train.callbacks.MetricsLog;
import dev.spinal.train.callbacks.NanGuard;
import dev.spinal.train.callbacks.TensorBoardLog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

/**
 * Endurance benchmark (not a test): the process's resident memory (VmRSS of {@code /proc/self/status}) over a
 * long training run and over many predict calls, to show native leaks (an unclosed {@code Tensor} or
 * {@code Result} per step is invisible to the garbage collector but not to RSS).
 *
 * <ol>
 *   <li>Training: {@code Trainer.fit} of a backbone + ProgressiveSpinal head (width 64, depth 4) on the first
 *       images of Fashion-MNIST with the run folder's callbacks ({@code NanGuard}, {@code EpochLog},
 *       {@code MetricsLog}, {@code TensorBoardLog}, {@code Checkpointing}), {@code maxSteps} steps in all, so
 *       also several epochs with their evaluations and checkpoints. RSS after the warm-up steps (a tenth) and
 *       at the end.
 *   <li>Predict: the trained model exported and loaded back ({@code ExportedModel}), then {@code probabilities}
 *       called on test images, one input tensor made and closed per call, as a caller would. RSS after the
 *       warm-up calls (a tenth) and at the end.
 * </ol>
 *
 * Goal: growth below 50 MB in each phase. Before each reading the JVM is asked to collect garbage, so the
 * figure is mostly native memory; the Java heap in use is printed beside it.
 *
 * <p>Arguments (all optional, in order): backbone {@code vgg5} or {@code flatten} (vgg5), training batch (16),
 * training steps (2000), predict calls (20000), predict batch (1), images per split (6000).
 */
public final class Endurance {

  private Endurance() {}

  public static void main(String[] args) throws Exception {
    String backboneName = args.length > 0 ? args[0] : "vgg5";
    int batch = args.length > 1 ? Integer.parseInt(args[1]) : 16;
    int steps = args.length > 2 ? Integer.parseInt(args[2]) : 2000;
    int calls = args.length > 3 ? Integer.parseInt(args[3]) : 20_000;
    int predictBatch = args.length > 4 ? Integer.parseInt(args[4]) : 1;
    int limit = args.length > 5 ? Integer.parseInt(args[5]) : 6000;
    double goalMb = 50;

    System.out.printf(Locale.ROOT, "endurance: %s, training batch %d, %d steps; %d predict calls of batch %d;"
        + " %d images per split%n", backboneName, batch, steps, calls, predictBatch, limit);
    System.out.println(OneDnn.current().describe());
    DatasetSplits data = Datasets.load("fashion-mnist", DataOptions.builder().limit(limit).build());
    ImageDataset train = data.train();
    Backbone backbone = switch (backboneName) {
      case "vgg5" -> new Vgg5Backbone(train.height(), train.width(), train.channels());
      case "flatten" -> new FlattenBackbone(train.height(), train.width(), train.channels());
      default -> throw new IllegalArgumentException("backbone must be vgg5 or flatten, got " + backboneName);
    };
    Normalization norm = DatasetId.FASHION_MNIST.paperNormalization();
    Model model = Model.builder().backbone(backbone)
        .head(new ProgressiveSpinalHead(HeadSpec.builder().inputSize(backbone.featureSize()).width(64).depth(4)
            .classes(train.numClasses()).build()))
        .normalization(norm.mean(), norm.std()).build();
    Path dir = Files.createTempDirectory("spinal-endurance-");
    try {
      Phase training = training(model, data, dir, batch, steps);
      Phase predict = predict(dir.resolve("export"), data.test(), calls, predictBatch);
      System.out.println();
      boolean ok = training.report(goalMb) & predict.report(goalMb);
      System.out.println(ok ? "endurance: PASSED (growth below " + goalMb + " MB in both phases)"
          : "endurance: FAILED (growth of " + goalMb + " MB or more)");
    } finally {
      deleteTree(dir);
    }
  }

  /** RSS and Java heap readings of one phase. */
  record Phase(String what, String unit, int warmup, int total, List<long[]> readings) {
    /** Prints the series and the verdict; true when the growth after warm-up is below {@code goalMb}. */
    boolean report(double goalMb) {
      long warm = readings.stream().filter(r -> r[0] == warmup).findFirst().orElseThrow()[1];
      long end = readings.get(readings.size() - 1)[1];
      long max = readings.stream().mapToLong(r -> r[1]).max().orElseThrow();
      double growth = (end - warm) / 1024.0;
      StringBuilder series = new StringBuilder();
      for (long[] r : readings) {
        series.append(String.format(Locale.ROOT, " %d:%.1f", r[0], r[1] / 1024.0));
      }
      System.out.printf(Locale.ROOT, "%s: RSS after %d warm-up %s %.1f MB, at the end (%d) %.1f MB, growth %+.1f MB"
          + " (goal < %.0f MB): %s; max %.1f MB; Java heap in use at the end %.1f MB%n", what, warmup, unit,
          warm / 1024.0, total, end / 1024.0, growth, goalMb, growth < goalMb ? "PASS" : "FAIL", max / 1024.0,
          readings.get(readings.size() - 1)[2] / 1024.0);
      System.out.println("  RSS MB by " + unit + ":" + series);
      return growth < goalMb;
    }
  }

  static Phase training(Model model, DatasetSplits data, Path dir, int batch, int steps) {
    int every = Math.max(1, steps / 10);
    List<long[]> readings = new ArrayList<>();
    Path run = dir.resolve("run");
    Checkpointing checkpointing = new Checkpointing(run, 2);
    Callback probe = new Callback() {
      @Override
      public void onBatchEnd(FitContext fit, BatchEnd end) {
        if (end.step() % every == 0) {
          readings.add(reading(end.step()));
        }
      }

      @Override
      public void onTrainEnd(FitContext fit, TrainResult result) {
        try {
          fit.export(dir.resolve("export"), Map.of("purpose", "endurance benchmark"));
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    };
    int perEpoch = data.train().size() / batch;
    long t0 = System.nanoTime();
    TrainResult result = Trainer.builder()
        .optimizer(Optimizer.adam(0.001))
        .epochs(steps / Math.max(1, perEpoch) + 1)
        .maxSteps(steps)
        .batchSize(batch)
        .seed(1)
        .callbacks(new NanGuard(checkpointing.checkpoints().dir()), new EpochLog(System.out),
            new MetricsLog(run.resolve("metrics.jsonl")), new TensorBoardLog(run.resolve("tensorboard")),
            checkpointing, probe)
        .build()
        .fit(model, data);
    System.out.printf(Locale.ROOT, "training: %d steps in %.0f s, test accuracy %.2f%%%n", steps,
        (System.nanoTime() - t0) / 1e9, 100 * result.testAccuracy());
    return new Phase("training", "steps", every, steps, readings);
  }

  static Phase predict(Path export, ImageDataset test, int calls, int batch) throws IOException {
    int every = Math.max(1, calls / 10);
    List<long[]> readings = new ArrayList<>();
    int h = test.height();
    int w = test.width();
    int c = test.channels();
    int per = h * w * c;
    float[][] inputs = new float[64][];
    for (int i = 0; i < inputs.length; i++) {
      inputs[i] = new float[batch * per];
      for (int b = 0; b < batch; b++) {
        byte[] image = test.image((i * batch + b) % test.size());
        for (int p = 0; p < per; p++) {
          inputs[i][b * per + p] = (image[p] & 0xff) / 255f;
        }
      }
    }
    long t0 = System.nanoTime();
    double checksum = 0;
    try (ExportedModel model = ExportedModel.load(export)) {
      for (int k = 1; k <= calls; k++) {
        try (TFloat32 x = TFloat32.tensorOf(Shape.of(batch, h, w, c),
            DataBuffers.of(inputs[k % inputs.length], true, false))) {
          checksum += model.probabilities(x)[0];
        }
        if (k % every == 0) {
          readings.add(reading(k));
        }
      }
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    System.out.printf(Locale.ROOT, "predict: %d calls of batch %d in %.0f s (%.2f ms/call; checksum %.3f)%n",
        calls, batch, seconds, 1000 * seconds / calls, checksum);
    return new Phase("predict", "calls", every, calls, readings);
  }

  /** {at, VmRSS kB, Java heap in use kB}, after a garbage collection. */
  static long[] reading(long at) {
    System.gc();
    Runtime rt = Runtime.getRuntime();
    return new long[] {at, rssKb(), (rt.totalMemory() - rt.freeMemory()) / 1024};
  }

  /** VmRSS of this process in kB, from /proc/self/status (Linux). */
  static long rssKb() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read /proc/self/status (Linux only): " + e.getMessage(), e);
    }
    throw new IllegalStateException("/proc/self/status has no VmRSS line");
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
