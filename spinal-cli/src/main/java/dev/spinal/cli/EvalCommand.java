package dev.spinal.cli;

import dev.spinal.datasets.DatasetSplits;
import dev.spinal.datasets.ImageDataset;
import dev.spinal.savedmodel.ExportedModel;
import dev.spinal.train.ExportedModelEvaluation;
import dev.spinal.train.TestTimeAugmentation;
import dev.spinal.train.Trainer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code spinal eval}: accuracy of an exported model on a dataset split. */
@Command(name = "eval", description = "Accuracy of an exported SavedModel on a dataset split.")
final class EvalCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

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

  @Option(names = "--tta", paramLabel = "VIEWS", defaultValue = "none", converter = Choices.TtaName.class,
      completionCandidates = Choices.TtaName.class, description = "Test-time augmentation: the mean probabilities of"
      + " each image and its mirror image (flip; for data whose classes do not change when mirrored, like"
      + " Fashion-MNIST), those two each also moved by one pixel up, down, left and right (flip-shift: 10 views,"
      + " for models trained with small random crops) or the image alone (none).")
  String tta;

  @Override
  public Integer call() throws Exception {
    TestTimeAugmentation views = TestTimeAugmentation.parse(tta);
    try (ExportedModel m = ExportedModel.load(model, InspectCommand.trust(trustSavedModel))) {
      ImageDataset data = split(load(dataset, dataPath, limit, seed), split);
      Trainer.Evaluation e = ExportedModelEvaluation.evaluate(m, data, views, 500);
      long correct = Math.round(e.accuracy() * e.images());
      PrintWriter out = spec.commandLine().getOut();
      out.printf(Locale.ROOT, "%s %s: %d / %d correct, accuracy %.2f%%, loss %.4f%s (%s)%n", dataset, split, correct,
          e.images(), 100.0 * e.accuracy(), e.loss(),
          views == TestTimeAugmentation.NONE ? "" : ", test-time augmentation " + views.cliName(), m.dir());
      out.flush();
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
