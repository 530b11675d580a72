package dev.spinal.cli;

import dev.spinal.datasets.Batch;
import dev.spinal.datasets.BatchStream;
import dev.spinal.datasets.DatasetSplits;
import dev.spinal.datasets.ImageDataset;
import dev.spinal.datasets.Normalization;
import dev.spinal.savedmodel.ExportedModel;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code spinal eval}: accuracy of an exported model on a dataset split. */
@Command(name = "eval", description = "Accuracy of an exported SavedModel on a dataset split.")
final class EvalCommand implements Callable<Integer> {

  @Option(names = "--model", paramLabel = "DIR", required = true, description = "Export folder: BASE/<version>, or BASE for its"
      + " highest version.")
  Path model;

  @Option(names = "--dataset", paramLabel = "DATASET", required = true, completionCandidates = Choices.DatasetKeys.class,
      description = "Dataset: ${COMPLETION-CANDIDATES}.")
  String dataset;
  @Option(names = "--data-path", paramLabel = "DIR", description = "Folder holding the dataset's files. Default: found in the cache,"
      + " the system's folders, else downloaded.")
  Path dataPath;
  @Option(names = "--split", paramLabel = "SPLIT", defaultValue = "test", converter = Choices.SplitName.class,
      completionCandidates = Choices.SplitName.class, description = "Split: ${COMPLETION-CANDIDATES}.")
  String split;
  @Option(names = "--limit", paramLabel = "N", defaultValue = "0", description = "Use only the first N images of each split"
      + " (0: all; give the run's --limit to see its splits).")
  int limit;
  @Option(names = "--seed", paramLabel = "N", defaultValue = "1", description = "Seed that carves the validation split from the"
      + " training set (give the run's --seed to see its split).")
  long seed;
  @Option(names = "--trust-savedmodel", description = InspectCommand.TRUST_HELP)
  boolean trustSavedModel;

  @Override
  public Integer call() throws Exception {
    try (ExportedModel m = ExportedModel.load(model, InspectCommand.trust(trustSavedModel))) {
      ImageDataset data = split(load(dataset, dataPath, limit, seed), split);
      long correct = 0;
      try (BatchStream stream = BatchStream.builder(data).batchSize(500).normalize(Normalization.UNIT)
          .prefetch(2).dropLast(false).build()) {
        while (stream.hasNext()) {
          try (Batch b = stream.next()) {
            long[] predicted = m.classify(b.images());
            int[] labels = b.indices();
            for (int i = 0; i < predicted.length; i++) {
              if (predicted[i] == data.label(labels[i])) {
                correct++;
              }
            }
          }
        }
      }
      System.out.printf("%s %s: %d / %d correct, accuracy %.2f%% (%s)%n", dataset, split, correct, data.size(),
          100.0 * correct / data.size(), m.dir());
      return 0;
    }
  }

  static DatasetSplits load(String dataset, Path dataPath, int limit, long seed) {
    return dev.spinal.train.Runs.loadData(dataset, dataPath, limit, seed);
  }

  static ImageDataset split(DatasetSplits splits, String name) {
    return switch (name) {
      case "train" -> splits.train();
      case "validation" -> splits.validation();
      case "test" -> splits.test();
      default -> throw new IllegalArgumentException("unknown split '" + name + "'; expected train, validation or test");
    };
  }
}
