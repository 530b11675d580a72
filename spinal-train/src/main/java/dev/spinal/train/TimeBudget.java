package dev.spinal.train;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import dev.spinal.core.model.Model;
import dev.spinal.datasets.Batch;
import dev.spinal.datasets.ImageDataset;
import dev.spinal.train.batches.BatchSource;
import dev.spinal.train.batches.ImageBatches;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sizes a run to a wall-clock budget on the machine at hand ({@code spinal train --time-budget 60m}). The build
 * machines differ 3-6x in speed, so a number of epochs that fills an hour on one takes three on another; a plan
 * instead times a few training steps and one evaluation batch of the model exactly as the {@link Trainer} will run
 * them (optimizer, precision, augmentation, test-time augmentation), then gives the steps whose training and
 * per-epoch evaluations fit. The plan is ordinary settings ({@link Trainer.Builder#epochs}, {@link
 * Trainer.Builder#maxSteps}): the run itself stays deterministic, resumes as planned, and a {@link Schedule.Cosine}
 * or {@link Schedule.OneCycle} runs over exactly the planned steps.
 *
 * <p>What the budget covers: from the start of {@link #plan} to the end of the last evaluation, including the
 * trainer's own graph build. Loading the data before, and an export after, come on top (seconds). A margin of
 * {@value #MARGIN_PERCENT} % of the budget is kept for the speed drift measured over long runs on shared machines.
 */
public final class TimeBudget {

  /** Steps run before the timed ones: the first steps allocate memory and choose kernels. */
  static final int WARM_UP_STEPS = 3;
  /** Steps timed for the estimate, at least. */
  static final int TIMED_STEPS = 15;
  /**
   * The part of the budget spent timing steps, at least, in percent: a few seconds of steps on a shared machine
   * are not the speed of the next hour (measured on a 2-core Zen 4 shared with other jobs: 15 steps timed 0.178 s
   * per step, then the run went at 0.203, 14 % slower).
   */
  static final double TIMING_PERCENT = 1;
  /** The part of the budget kept free, in percent. */
  static final int MARGIN_PERCENT = 3;

  private TimeBudget() {}

  /**
   * A run sized to a budget: {@code steps} training steps over {@code epochs} epochs (the last one possibly
   * partial), from the speeds measured while planning.
   *
   * @param secondsPerStep one training step, data included
   * @param secondsPerEvaluation one evaluation of the validation and test images
   * @param evaluations how many of the epochs are evaluated ({@link Trainer.Builder#evaluateEvery}: every one by
   *     default)
   * @param setupSeconds the planning itself and the trainer's graph build, both counted against the budget
   */
  public record Plan(Duration budget, long steps, int epochs, int batchesPerEpoch, double secondsPerStep,
      double secondsPerEvaluation, int evaluations, double setupSeconds) {

    /** The seconds the plan expects the run to take: setup, steps and the evaluations. */
    public double plannedSeconds() {
      return setupSeconds + steps * secondsPerStep + evaluations * secondsPerEvaluation;
    }

    /** One line for the log: the budget, what was measured, and the steps it buys. */
    public String describe() {
      return String.format(Locale.ROOT, "time budget %s: %.3f s per training step and %.1f s per evaluation measured"
          + " on this machine -> %d steps (%.2f epochs of %d batches, %d evaluated), planned %.0f s", format(budget),
          secondsPerStep, secondsPerEvaluation, steps, (double) steps / batchesPerEpoch, batchesPerEpoch, evaluations,
          plannedSeconds());
    }
  }

  /**
   * Plans {@code trainer}'s run of {@code model} on {@code train} within {@code budget}; {@code trainer}'s epochs and
   * step budget are ignored (the plan replaces them).
   *
   * @param evaluatedImages the images evaluated after every epoch (validation + test)
   * @throws IllegalArgumentException when the backbone is frozen (its head trains on cached features, whose cost
   *     is not a training step's: give epochs instead), or not one step and one evaluation fit in the budget
   */
  public static Plan plan(Duration budget, Model model, Trainer trainer, ImageDataset train, long evaluatedImages) {
    checkNotNull(budget, "budget");
    checkNotNull(model, "model");
    checkNotNull(trainer, "trainer");
    checkNotNull(train, "train");
    checkArgument(!budget.isNegative() && !budget.isZero(), "a time budget must be positive, got %s", budget);
    checkArgument(evaluatedImages >= 0, "evaluatedImages must be >= 0, got %s", evaluatedImages);
    checkArgument(!model.backbone().frozen(), "a time budget plans runs that train their backbone, but %s is frozen:"
        + " its head trains on features computed once, which a training step's time does not predict. Give the"
        + " number of epochs instead.", model.backbone().name());
    int batchesPerEpoch = train.size() / trainer.batchSize();
    checkArgument(batchesPerEpoch >= 1, "the batch size %s is larger than the %s training examples",
        trainer.batchSize(), train.size());
    long start = System.nanoTime();
    double buildSeconds;
    double stepSeconds;
    double evalSecondsPerImage;
    try (TrainingGraph graph = TrainingGraph.build(model, trainer)) {
      buildSeconds = secondsSince(start);
      double timingSeconds = budget.toMillis() / 1000.0 * TIMING_PERCENT / 100;
      stepSeconds = secondsPerStep(graph, ImageBatches.augmented(train, trainer.augmentation()), trainer,
          timingSeconds);
      evalSecondsPerImage = secondsPerEvaluatedImage(graph, train, trainer);
    }
    // the trainer builds its graph again: as long as this one took
    double setupSeconds = secondsSince(start) + buildSeconds;
    double evaluationSeconds = evaluatedImages * evalSecondsPerImage;
    double available = budget.toMillis() / 1000.0 * (1 - MARGIN_PERCENT / 100.0) - setupSeconds;
    long steps = 0;
    for (int epoch = 1; ; epoch++) {
      long fit = (long) Math.floor((available - evaluations(epoch, trainer) * evaluationSeconds) / stepSeconds);
      long first = (long) (epoch - 1) * batchesPerEpoch + 1;
      long last = (long) epoch * batchesPerEpoch;
      if (fit < first) {
        break; // not one step of this epoch fits with its evaluation
      }
      steps = Math.min(fit, last);
      if (fit < last) {
        break;
      }
    }
    checkArgument(steps >= 1, "a time budget of %s is too short on this machine: one training step takes %.2f s, one"
        + " evaluation of the %s validation and test images %.1f s, and setting up %.1f s", format(budget),
        stepSeconds, evaluatedImages, evaluationSeconds, setupSeconds);
    int epochs = (int) ((steps + batchesPerEpoch - 1) / batchesPerEpoch);
    return new Plan(budget, steps, epochs, batchesPerEpoch, stepSeconds, evaluationSeconds,
        evaluations(epochs, trainer), setupSeconds);
  }

  /** The evaluations of a run of {@code epochs} epochs: every {@code evaluateEvery}-th and the last. */
  private static int evaluations(int epochs, Trainer trainer) {
    return (epochs + trainer.evaluateEvery() - 1) / trainer.evaluateEvery();
  }

  /**
   * Seconds of one training step (data wait included) after the warm-up steps: the mean over at least {@value
   * #TIMED_STEPS} steps and {@code minTimedSeconds}, over as many epochs of the data as that takes.
   */
  private static double secondsPerStep(TrainingGraph graph, BatchSource source, Trainer trainer,
      double minTimedSeconds) {
    long timedFrom = System.nanoTime();
    int step = 0;
    for (int epoch = 0; ; epoch++) {
      try (BatchSource.Batches batches = source.epoch(epoch, trainer.batchSize(), trainer.seed())) {
        checkArgument(batches.hasNext(), "a time budget needs batches of training data to time the steps; %s"
            + " examples hold none of %s", source.size(), trainer.batchSize());
        while (batches.hasNext()) {
          if (step == WARM_UP_STEPS) {
            timedFrom = System.nanoTime();
          }
          try (Batch batch = batches.next()) {
            graph.trainStep(batch.images(), batch.labels(), step);
          }
          step++;
          int timed = step - WARM_UP_STEPS;
          if (timed >= TIMED_STEPS && secondsSince(timedFrom) >= minTimedSeconds) {
            return secondsSince(timedFrom) / timed;
          }
        }
      }
    }
  }

  /** Seconds per evaluated image, from one evaluation batch after an untimed one (which builds the inference graph). */
  private static double secondsPerEvaluatedImage(TrainingGraph graph, ImageDataset train, Trainer trainer) {
    try (BatchSource.Batches batches = ImageBatches.of(train).inOrder(Math.min(trainer.evalBatchSize(), train.size()));
        Batch batch = batches.next()) {
      Trainer.scoreBatch(graph, batch, trainer.testTimeAugmentation());
      long t = System.nanoTime();
      Trainer.scoreBatch(graph, batch, trainer.testTimeAugmentation());
      return secondsSince(t) / batch.size();
    }
  }

  private static double secondsSince(long nanos) {
    return (System.nanoTime() - nanos) / 1e9;
  }

  /** {@code 1h30m}, {@code 15m}, {@code 90s}: how {@code --time-budget} writes a duration. */
  public static String format(Duration d) {
    StringBuilder s = new StringBuilder();
    if (d.toHours() > 0) {
      s.append(d.toHours()).append('h');
    }
    if (d.toMinutesPart() > 0) {
      s.append(d.toMinutesPart()).append('m');
    }
    if (d.toSecondsPart() > 0 || s.length() == 0) {
      s.append(d.toSecondsPart()).append('s');
    }
    return s.toString();
  }

  /**
   * Parses {@code 90s}, {@code 15m}, {@code 1h}, {@code 1h30m} (whole hours, minutes and seconds, in that order).
   *
   * @throws IllegalArgumentException naming the accepted forms, or for a zero duration
   */
  public static Duration parse(String text) {
    Matcher m = Pattern.compile("(?:(\\d+)h)?(?:(\\d+)m)?(?:(\\d+)s)?")
        .matcher(text.trim().toLowerCase(Locale.ROOT));
    if (text.isBlank() || !m.matches()) {
      throw new IllegalArgumentException("cannot read the duration '" + text
          + "'; expected e.g. 90s, 15m, 1h or 1h30m");
    }
    Duration d = Duration.ZERO;
    if (m.group(1) != null) {
      d = d.plusHours(Long.parseLong(m.group(1)));
    }
    if (m.group(2) != null) {
      d = d.plusMinutes(Long.parseLong(m.group(2)));
    }
    if (m.group(3) != null) {
      d = d.plusSeconds(Long.parseLong(m.group(3)));
    }
    if (d.isZero()) {
      throw new IllegalArgumentException("a time budget must be positive, got '" + text + "'");
    }
    return d;
  }
}
