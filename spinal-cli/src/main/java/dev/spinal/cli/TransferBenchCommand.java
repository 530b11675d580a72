package dev.spinal.cli;

import dev.spinal.benchmarks.TransferBench;
import dev.spinal.datasets.DatasetSplits;
import dev.spinal.train.Runs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code spinal transfer-bench}: parses the options of {@link TransferBench} and runs it. */
@Command(name = "transfer-bench", description = {
    "Transfer learning measurements: the frozen-feature speed-up over recomputing the backbone every epoch,"
        + " and pretrained backbones (frozen with each head, fine-tuned) vs training from scratch on few labels."})
final class TransferBenchCommand implements Callable<Integer> {

  @Option(names = "--models", defaultValue = "saved-models", description = "Folder where backbone names of"
      + " --backbones are looked up first (saved-models/ of the checkout).")
  Path models;

  @Option(names = "--backbones", defaultValue = "fmnist04-cnn", split = ",", paramLabel = "NAME",
      description = "Pretrained backbones to compare (folders under --models, or any --backbone value such as a"
          + " SavedModel folder).")
  List<String> backbones;

  @Option(names = "--classes", defaultValue = "5,6,7,8,9", split = ",",
      description = "Fashion-MNIST classes of the transfer task (fmnist04-cnn saw 0-4).")
  int[] classes;

  @Option(names = "--per-class", defaultValue = "100",
      description = "Labelled training images per class.")
  int perClass;

  @Option(names = "--test-per-class", defaultValue = "0",
      description = "Test images per class (0: all of the test split's).")
  int testPerClass;

  @Option(names = "--epochs", defaultValue = "20", description = "Epochs of each transfer run.")
  int epochs;
  @Option(names = "--seed", defaultValue = "1", description = "Seed of the splits, weights and data order.")
  long seed;
  @Option(names = "--speed-images", defaultValue = "10000",
      description = "Training images for the speed measurement of each backbone (0: skip it).")
  int speedImages;

  @Option(names = "--skip-comparison", description = "Only the speed measurement, not the transfer runs.")
  boolean skipComparison;

  @Override
  public Integer call() throws Exception {
    List<String> resolved = backbones.stream()
        .map(b -> Files.isDirectory(models.resolve(b)) ? models.resolve(b).toString() : b).toList();
    TransferBench bench = new TransferBench(new TransferBench.Settings(resolved, classes, perClass, testPerClass, epochs, seed),
        System.out);
    DatasetSplits full = Runs.loadData("fashion-mnist", null, 0, seed);
    if (speedImages > 0) {
      for (String b : resolved) {
        bench.speed(b, full.train().first(speedImages));
      }
    }
    if (!skipComparison) {
      bench.compare(full);
    }
    return 0;
  }
}
