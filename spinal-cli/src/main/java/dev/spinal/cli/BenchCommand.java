package dev.spinal.cli;

import dev.spinal.core.backbones.Backbone;
import dev.spinal.core.backbones.FlattenBackbone;
import dev.spinal.core.backbones.Vgg5Backbone;
import dev.spinal.core.heads.HeadKind;
import dev.spinal.core.heads.HeadSpec;
import dev.spinal.datasets.Batch;
import dev.spinal.datasets.BatchStream;
import dev.spinal.datasets.DataOptions;
import dev.spinal.datasets.Datasets;
import dev.spinal.datasets.ImageDataset;
import dev.spinal.datasets.Normalization;
import dev.spinal.core.model.Model;
import dev.spinal.datasets.DatasetSplits;
import dev.spinal.train.EpochMetrics;
import dev.spinal.train.Optimizer;
import dev.spinal.train.TrainResult;
import dev.spinal.train.Trainer;
import dev.spinal.benchmarks.MatMulCeiling;
import dev.spinal.benchmarks.SpinalSpeed;
import dev.spinal.benchmarks.StepProfile;
import dev.spinal.core.runtime.OneDnn;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code spinal bench}: training speed of VGG-5 + ProgressiveSpinal and of the head alone, the
 * machine's MatMul rate for comparison, the share of step time spent waiting for data, and native
 * memory growth over many steps.
 */
@Command(name = "bench", description = "Training images/s (VGG-5 + progressive head; head alone on 2048-d"
    + " features), model GFLOP/s vs the machine's MatMul rate, data-wait share, and RSS growth.")
final class BenchCommand implements Callable<Integer> {

  @Option(names = "--steps", defaultValue = "40", description = "Timed VGG-5 steps.") int steps;
  @Option(names = "--head-steps", defaultValue = "200", description = "Timed head-alone steps per batch size.")
  int headSteps;
  @Option(names = "--rss-steps", defaultValue = "2000", description = "Steps of the memory soak.") int rssSteps;
  @Option(names = "--data-steps", defaultValue = "40", description = "VGG-5 steps fed by the real pipeline.")
  int dataSteps;
  @Option(names = "--profile", description = "Instead: where a VGG-5 training step's time goes (TensorFlow's"
      + " full trace of 5 steps, summed per kernel and per conv layer with each pass's GFLOP/s).")
  boolean profile;

  @Override
  public Integer call() throws Exception {
    if (profile) {
      StepProfile.run(System.out, 5, 5, 64, 0, 1);
      return 0;
    }
    long rssStart = rssKb();
    System.out.printf("machine: %d cores, %s%n", Runtime.getRuntime().availableProcessors(),
        OneDnn.current().describe());
    double matmul = MatMulCeiling.gflops(20);
    System.out.printf("TF MatMul 2048^3 float32 (this machine's ceiling): %8.1f GFLOP/s%n", matmul);

    Backbone vgg = new Vgg5Backbone();
    double vggRate = trainRate(vgg, 64, 10, 64, steps);
    long head = HeadKind.PROGRESSIVE.create(spec(256, 64, 10)).flopsPerExample();
    double vggGflops = vggRate * 3.0 * (vgg.flopsPerExample() + head) / 1e9;
    System.out.printf("VGG-5 + progressive, batch 64, train:     %8.1f images/s  %6.1f GFLOP/s  (%.2f of MatMul)%n",
        vggRate, vggGflops, vggGflops / matmul);

    Backbone features = new FlattenBackbone(1, 1, 2048);
    long headFlops = HeadKind.PROGRESSIVE.create(spec(2048, 1024, 250)).flopsPerExample();
    for (int batch : new int[] {16, 256}) {
      double rate = trainRate(features, 1024, 250, batch, headSteps);
      double gflops = rate * 3.0 * headFlops / 1e9;
      System.out.printf("head alone 2048->1024x4->250, batch %3d:  %8.1f images/s  %6.1f GFLOP/s  (%.2f of MatMul)%n",
          batch, rate, gflops, gflops / matmul);
    }
    dataWait();
    long rssBefore = rssKb();
    trainRate(features, 1024, 250, 16, rssSteps);
    long rssAfter = rssKb();
    System.out.printf("RSS: %d MB at start, %d MB before and %d MB after %d head steps (batch 16)%n",
        rssStart / 1024, rssBefore / 1024, rssAfter / 1024, rssSteps);
    return 0;
  }

  private static HeadSpec spec(long in, long width, int classes) {
    return HeadSpec.builder().inputSize(in).width(width).depth(4).classes(classes).build();
  }

  /** Training images/s on fixed random data fed from Java (after 5 warm-up steps). */
  static double trainRate(Backbone backbone, long width, int classes, int batch, int steps) {
    try (SpinalSpeed.Bench model = new SpinalSpeed.Bench(backbone, width, classes, batch, null)) {
      model.steps(5);
      long start = System.nanoTime();
      model.steps(steps);
      return (double) steps * batch / ((System.nanoTime() - start) / 1e9);
    }
  }

  /**
   * The real pipeline (Fashion-MNIST, augmentation on) feeding VGG-5 through the trainer's own loop:
   * the share of the epoch's training time spent waiting for the next batch.
   */
  void dataWait() {
    DatasetSplits data;
    try {
      data = Datasets.load("fashion-mnist", DataOptions.builder().limit(64 * (dataSteps + 10)).build());
    } catch (RuntimeException e) {
      System.out.println("data wait: skipped, Fashion-MNIST not found (" + e.getMessage() + ")");
      return;
    }
    Model model = SpinalSpeed.model(new Vgg5Backbone(), 64, 10).withBackbone(new Vgg5Backbone());
    TrainResult r = Trainer.builder()
        .optimizer(Optimizer.adam(0.001))
        .batchSize(64)
        .augmentation(dev.spinal.datasets.Augmentations.mnistPaperTrain())
        .build()
        .fit(Model.builder().backbone(model.backbone()).head(model.head())
            .normalization(new float[] {0.1307f}, new float[] {0.3081f}).build(), data.train(), data.validation());
    EpochMetrics m = r.history().get(0);
    System.out.printf("data wait (Fashion-MNIST, rotation+perspective, prefetch 3): %.1f%% of step time over"
        + " one epoch of %d images (%.0f img/s)%n", 100.0 * m.dataWaitFraction(), data.train().size(),
        m.imagesPerSecond());
  }

  static long rssKb() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    return -1;
  }
}
