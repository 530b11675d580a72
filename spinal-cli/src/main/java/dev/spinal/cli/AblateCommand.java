package dev.spinal.cli;

import dev.spinal.core.heads.HeadKind;
import dev.spinal.train.Devices;
import dev.spinal.train.ablation.Ablation;
import dev.spinal.train.ablation.AblationReport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code spinal ablate}: heads x seeds on one dataset and backbone, paired by seed, with a report
 * ({@link Ablation}); the training settings are {@code spinal train}'s ({@link TrainSettings}).
 */
@Command(name = "ablate", resourceBundle = "dev.spinal.cli.TrainHelp", description = {
    "Compare heads on equal terms: every head of --heads trains once per seed of --seeds, on the same dataset,"
        + " backbone and settings (those of 'spinal train', a recipe or your own).",
    "Paired: a seed gives every head the same validation split, the same batches in the same order with the same"
        + " augmentation, and the same backbone initialization; each run records fingerprints of both, and the"
        + " report checks them.",
    "Report (in --out): ablation.md and ablation.json with, per head, the test accuracy at the best-validation epoch"
        + " (mean ± sd over the seeds), the paired difference to the progressive head with its 95%% confidence"
        + " interval (paired t test, Student t quantile for n-1 degrees of freedom), parameters, FLOPs and wall"
        + " time, and beside it, labelled, the paper's protocol (best test accuracy over the epochs, one seed);"
        + " accuracy.png (bars with error bars and each seed), validation-curves.png, and runs/HEAD-seedSEED/, an"
        + " ordinary run folder each (with its curves.png).",
    "Resumable: run the same command again after a stop and only the runs without a complete result.json train"
        + " (an unfinished one continues from its newest checkpoint).",
    "Example: spinal ablate --recipe fashion-mnist-vgg5 --heads progressive,spinal,dense --seeds 1,2,3"
        + " --out runs/ablation"})
final class AblateCommand implements Callable<Integer> {

  @Mixin TrainSettings settings;

  @Option(names = "--heads", paramLabel = "HEAD[,HEAD...]", split = ",", defaultValue = "progressive,spinal,dense",
      converter = Choices.HeadName.class, completionCandidates = Choices.HeadName.class,
      description = "The heads to compare (${COMPLETION-CANDIDATES}), at the same --width, --depth, --dropout and"
          + " --batch-norm; the others are compared with progressive.")
  List<String> heads;

  @Option(names = "--seeds", paramLabel = "SEED[,SEED...]", split = ",", defaultValue = "1,2,3",
      description = "The seeds (3 or more: with 2 the interval's t quantile is 12.7); each is one run of every"
          + " head.")
  List<Long> seeds;

  @Option(names = "--equal-parameters", description = "Compare the heads at equal size instead of equal width: each"
      + " head but progressive trains at the width that gives it the progressive head's parameter count at --width"
      + " (the report lists the widths).")
  boolean equalParameters;

  @Option(names = "--out", paramLabel = "DIR", required = true, description = "The ablation's folder: runs/ and the"
      + " report go there; an existing one is continued.")
  Path out;

  @Option(names = "--device", paramLabel = "DEVICE", defaultValue = "cpu", converter = Choices.DeviceName.class,
      completionCandidates = Choices.DeviceName.class,
      description = "cpu or gpu (the GPU natives: build with -Pgpu; without a GPU, runs on the CPU).")
  String device;

  @Option(names = "--progress", description = "A progress bar per run (default: one line per epoch).")
  boolean progress;

  @Option(names = "--report-only", description = "Train nothing: write the report of the runs finished so far (give"
      + " the ablation's own options, as when it was started). To look at a long ablation midway, also while it"
      + " trains in another process; the report names the runs not finished.")
  boolean reportOnly;

  @Mixin GradientLoggingOptions gradients;

  @picocli.CommandLine.ParentCommand SpinalCli parent;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  /**
   * Removes train's {@code --head} and {@code --seed} from the ablation's options: each run's head and seed
   * come from {@code --heads} and {@code --seeds}, so giving them is a usage error (with those suggested). And
   * {@code --features}: an ablation trains on images ({@link Ablation} loads each seed's splits).
   */
  static void dropPerRunOptions(picocli.CommandLine ablate) {
    var spec = ablate.getCommandSpec();
    for (String name : new String[] {"--head", "--seed", "--features"}) {
      spec.remove(spec.findOption(name));
    }
  }

  @Override
  public Integer call() {
    List<HeadKind> kinds = new ArrayList<>();
    for (String h : heads) {
      kinds.add(HeadKind.parse(h));
    }
    var sessionConfig = Devices.sessionConfig(device, parent != null && parent.verbose, System.err);
    Ablation ablation = Ablation.builder(settings.config())
        .heads(kinds)
        .seeds(seeds)
        .out(out)
        .progress(progress)
        .sessionConfig(sessionConfig)
        .gradientLogging(gradients.gradientLogging())
        .equalParameters(equalParameters)
        .build();
    AblationReport report = reportOnly ? ablation.writeReport() : ablation.run();
    java.io.PrintWriter stdout = spec.commandLine().getOut();
    stdout.print(summary(report));
    stdout.println("report: " + out.resolve(AblationReport.MARKDOWN_FILE));
    stdout.flush();
    return 0;
  }

  /** The report's head table, for the terminal. */
  static String summary(AblationReport report) {
    String md = report.markdown();
    int from = md.indexOf("| head |");
    int to = md.indexOf("\n\n", from);
    return from < 0 ? "" : md.substring(from, to + 1);
  }
}
