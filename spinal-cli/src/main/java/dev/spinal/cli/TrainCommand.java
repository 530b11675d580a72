package dev.spinal.cli;

import dev.spinal.train.Devices;
import dev.spinal.train.RecipeOverrides;
import dev.spinal.train.TimeBudget;
import dev.spinal.train.TrainConfig;
import dev.spinal.train.TrainResult;
import dev.spinal.train.Runs;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code spinal train}: a recipe or explicit settings ({@link TrainSettings}), flags overriding the
 * recipe's, into a run folder; {@code --resume} continues one. {@link TrainHelp} lists the recipes in the
 * help.
 */
@Command(name = "train", resourceBundle = "dev.spinal.cli.TrainHelp", description = {
    "Train a head on a backbone, from a recipe or your own settings, into a run folder.",
    "The run folder (--out) gets config.json, metrics.jsonl, tensorboard/ (with per-layer gradient norms:"
        + " --grad-norms-every), checkpoints/, result.json and curves.png.",
    "Give --recipe NAME (a row of the paper's table, listed below) or --dataset with the settings to change."
        + " Default values below read 'recipe's, else X': the recipe's value, else X without --recipe."})
final class TrainCommand implements Callable<Integer> {

  @Mixin TrainSettings settings;

  @Option(names = "--device", paramLabel = "DEVICE", defaultValue = "cpu", converter = Choices.DeviceName.class,
      completionCandidates = Choices.DeviceName.class,
      description = "cpu or gpu (the GPU natives: build with -Pgpu; without a GPU, runs on the CPU).")
  String device;

  @Option(names = "--out", paramLabel = "DIR", description = "Run folder to create (required unless --resume).") Path out;

  @Option(names = "--resume", paramLabel = "DIR", description = "Continue the run in this folder from its newest checkpoint, as it"
      + " was configured.")
  Path resume;

  @Option(names = "--export", paramLabel = "BASE", description = "After training, export the best epoch's model to"
      + " BASE/<next version>/ (a SavedModel for TF Serving).")
  Path export;

  @Option(names = "--no-progress", description = "No progress bar (the line per epoch stays).") boolean noProgress;

  @Option(names = "--time-budget", paramLabel = "DURATION", converter = Choices.DurationText.class,
      completionCandidates = Choices.DurationText.class, description = "Size the run to this wall-clock time on"
      + " this machine (e.g. 15m, 1h, 1h30m): training steps (for 1 %% of the budget) and an evaluation are timed"
      + " first, and the run trains the steps that fit with their evaluations; a cosine or one-cycle schedule runs over"
      + " exactly them. The plan replaces --epochs and --max-steps (give neither) and is written to the run's"
      + " config.json and time-budget.json; loading the data and an export come on top.")
  String timeBudget;

  @picocli.CommandLine.ParentCommand SpinalCli parent;

  @Spec CommandSpec spec;

  @Mixin GradientLoggingOptions gradients;

  @Override
  public Integer call() {
    var sessionConfig = Devices.sessionConfig(device, parent != null && parent.verbose, System.err);
    if (resume != null && (settings.data != null || settings.features != null)) {
      throw new IllegalArgumentException("--resume continues a run on the data it was configured with: drop "
          + (settings.data != null ? "--data" : "--features"));
    }
    if (timeBudget != null) {
      if (resume != null) {
        throw new IllegalArgumentException("--resume continues a run as it was planned: drop --time-budget");
      }
      if (settings.epochs != null || settings.maxSteps != null) {
        throw new IllegalArgumentException("--time-budget decides the epochs and steps that fit: drop "
            + (settings.epochs != null ? "--epochs" : "--max-steps"));
      }
    }
    if (resume != null) {
      if (out != null || settings.recipe != null || settings.dataset != null) {
        throw new IllegalArgumentException("--resume continues a run as it was configured: drop --out/--recipe/--dataset");
      }
      Runs.Options options = Runs.Options.of(resume).withExport(export).withProgress(!noProgress)
          .withSessionConfig(sessionConfig).withGradientLogging(gradients.gradientLogging());
      Runs.readConfig(resume).flatMap(RecipeOverrides::of).ifPresent(this::announce);
      TrainResult result = Runs.resume(options);
      return result.history().isEmpty() ? 1 : 0;
    }
    if (out == null) {
      throw new IllegalArgumentException("--out DIR is required (the run's folder)");
    }
    TrainConfig config = config();
    Runs.Options options = Runs.Options.of(out).withExport(export).withProgress(!noProgress)
        .withSessionConfig(sessionConfig).withGradientLogging(gradients.gradientLogging())
        .withTimeBudget(timeBudget == null ? null : TimeBudget.parse(timeBudget));
    Runs.check(config); // a run that cannot start fails with its one error line, before any notice
    RecipeOverrides.of(config).ifPresent(this::announce);
    Runs.start(config, options);
    return 0;
  }

  /** Says on stderr, before training, that the run's backbone is not its recipe's (the run's files record it too). */
  private void announce(RecipeOverrides overrides) {
    overrides.backboneNotice().ifPresent(line -> {
      var err = spec.commandLine().getErr();
      err.println(line);
      err.flush();
    });
  }

  /** The config the options describe (see {@link TrainSettings#config()}). */
  TrainConfig config() {
    return settings.config();
  }
}
