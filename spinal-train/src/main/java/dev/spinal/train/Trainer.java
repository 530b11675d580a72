package dev.spinal.train;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.collect.ImmutableList;
import dev.spinal.core.model.Model;
import dev.spinal.datasets.Augmentation;
import dev.spinal.datasets.Batch;
import dev.spinal.datasets.DatasetSplits;
import dev.spinal.datasets.ImageDataset;
import dev.spinal.train.batches.BatchSource;
import dev.spinal.train.batches.FeatureBatches;
import dev.spinal.train.batches.FeatureCache;
import dev.spinal.train.batches.FeatureExtractor;
import dev.spinal.train.batches.FeatureSplits;
import dev.spinal.train.batches.ImageBatches;
import dev.spinal.train.callbacks.Callback;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.proto.ConfigProto;

/**
 * Trains a {@link Model} (any backbone, any head) epoch by epoch: training steps with a typed
 * {@link Optimizer} and {@link Schedule}, then validation and (optionally) test evaluation, with
 * {@link Callback}s for everything else (progress, metrics files, TensorBoard, checkpoints, the NaN
 * guard, stopping, export). The result's accuracy is the test accuracy of the epoch with the best
 * validation accuracy; the paper's protocol (best test accuracy over all epochs) is beside it,
 * labelled.
 *
 * <pre>{@code
 * Trainer trainer = Trainer.builder()
 *     .optimizer(Optimizer.sgd(0.01, 0.9))
 *     .schedule(new Schedule.RandomCubeOnPlateau())
 *     .epochs(3).batchSize(64).seed(1)
 *     .callbacks(new ProgressBarLogger(), new NanGuard())
 *     .build();
 * TrainResult result = trainer.fit(model, data.train(), data.validation(), data.test());
 * }</pre>
 *
 * <p>One loop for every kind of run: a model whose backbone is {@link
 * dev.spinal.core.backbones.Backbone#frozen() frozen} has every image's features computed once and
 * the head trained on them ({@link FeatureBatches}); otherwise the images are decoded (and augmented)
 * every epoch ({@link ImageBatches}). Both behave the same for callbacks, resume and stopping.
 */
public final class Trainer {

  private static final Logger log = LoggerFactory.getLogger(Trainer.class);

  private final Optimizer optimizer;
  private final Schedule schedule;
  private final int epochs;
  private final long maxSteps;
  private final int batchSize;
  private final long seed;
  private final Precision precision;
  private final double labelSmoothing;
  private final double weightAverage;
  private final TestTimeAugmentation testTimeAugmentation;
  private final List<Augmentation> augmentation;
  private final List<Callback> callbacks;
  private final ConfigProto sessionConfig;
  private final int evalBatchSize;
  private final int evaluateEvery;
  private final int earlyStopping;
  private final Path resumeFrom;
  private final Checkpoints resumeNewest;
  private final GradientLogging gradientLogging;

  private Trainer(Builder b) {
    this.optimizer = b.optimizer;
    this.schedule = b.schedule;
    this.epochs = b.epochs;
    this.maxSteps = b.maxSteps;
    this.batchSize = b.batchSize;
    this.seed = b.seed;
    this.precision = b.precision;
    this.labelSmoothing = b.labelSmoothing;
    this.weightAverage = b.weightAverage;
    this.testTimeAugmentation = b.testTimeAugmentation;
    this.augmentation = ImmutableList.copyOf(b.augmentation);
    this.callbacks = ImmutableList.copyOf(b.callbacks);
    this.sessionConfig = b.sessionConfig;
    this.evalBatchSize = b.evalBatchSize;
    this.evaluateEvery = b.evaluateEvery;
    this.earlyStopping = b.earlyStopping;
    this.resumeFrom = b.resumeFrom;
    this.resumeNewest = b.resumeNewest;
    this.gradientLogging = b.gradientLogging;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder with this trainer's settings, e.g. to add a callback or resume. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.optimizer = optimizer;
    b.schedule = schedule;
    b.epochs = epochs;
    b.maxSteps = maxSteps;
    b.batchSize = batchSize;
    b.seed = seed;
    b.precision = precision;
    b.labelSmoothing = labelSmoothing;
    b.weightAverage = weightAverage;
    b.testTimeAugmentation = testTimeAugmentation;
    b.augmentation = new ArrayList<>(augmentation);
    b.callbacks = new ArrayList<>(callbacks);
    b.sessionConfig = sessionConfig;
    b.evalBatchSize = evalBatchSize;
    b.evaluateEvery = evaluateEvery;
    b.earlyStopping = earlyStopping;
    b.resumeFrom = resumeFrom;
    b.resumeNewest = resumeNewest;
    b.gradientLogging = gradientLogging;
    return b;
  }

  /** Fits {@code model} on a dataset's train split, validating and testing on the others. */
  public TrainResult fit(Model model, DatasetSplits data) {
    return fit(model, data.train(), data.validation(), data.test());
  }

  /** Fits {@code model} on {@code train}, selecting the best epoch on {@code validation}; no test split. */
  public TrainResult fit(Model model, ImageDataset train, ImageDataset validation) {
    return fit(model, train, validation, null);
  }

  /**
   * Fits {@code model} on {@code train}, selecting the best epoch on {@code validation} and reporting
   * {@code test} (null: none) at each epoch.
   *
   * @throws IllegalArgumentException when the data does not fit the model (image size, classes), or
   *     augmentation is asked for with a frozen backbone
   * @throws TrainingDivergedException from {@link dev.spinal.train.callbacks.NanGuard} when the loss
   *     stops being finite
   */
  public TrainResult fit(Model model, ImageDataset train, ImageDataset validation, ImageDataset test) {
    checkNotNull(model, "model");
    checkNotNull(train, "train");
    checkNotNull(validation, "validation");
    checkFits(model, train);
    long started = System.nanoTime();
    log.info("data: {} train / {} validation / {} test images of {}x{}x{}, {} classes", train.size(),
        validation.size(), test == null ? 0 : test.size(), train.height(), train.width(), train.channels(),
        train.numClasses());
    if (precision != Precision.FP32) {
      log.info("precision: {} mixed precision in the training steps; evaluation and export in float32", precision);
    }
    if (testTimeAugmentation != TestTimeAugmentation.NONE) {
      log.info("test-time augmentation: {} (validation and test accuracy from the mean probabilities of each image's"
          + " views)", testTimeAugmentation.cliName());
    }
    if (!model.backbone().frozen()) {
      return loop(model, model, ImageBatches.augmented(train, augmentation), ImageBatches.of(validation),
          test == null ? null : ImageBatches.of(test), train.classNames(), false, started);
    }
    checkArgument(testTimeAugmentation == TestTimeAugmentation.NONE, "test-time augmentation does not combine with"
        + " a frozen backbone (%s): its features are computed once per image, not per view. Evaluate the exported"
        + " model with it instead (spinal eval --tta), or make the backbone trainable (fine-tune).",
        model.backbone().name());
    checkArgument(augmentation.isEmpty(), "augmentation does not combine with a frozen backbone (%s): its"
        + " features are computed once per image and cached, so every epoch sees the same un-augmented images."
        + " Drop the augmentation, or make the backbone trainable (fine-tune).", model.backbone().name());
    FeatureCache trainF;
    FeatureCache valF;
    FeatureCache testF = null;
    try (FeatureExtractor fx = new FeatureExtractor(model, seed, sessionConfig)) {
      trainF = fx.extract(train, 256);
      valF = fx.extract(validation, 256);
      if (test != null) {
        testF = fx.extract(test, 256);
      }
    }
    double seconds = trainF.seconds() + valF.seconds() + (testF == null ? 0 : testF.seconds());
    long images = trainF.size() + valF.size() + (testF == null ? 0 : testF.size());
    log.info(String.format("features: %d images through the frozen backbone once in %.1f s (%.0f images/s),"
        + " cached in memory (%.1f MB)", images, seconds, images / seconds,
        images * model.backbone().featureSize() * 4 / 1e6));
    FeatureSplits features = new FeatureSplits(train.name(), model.imageShape(), train.classNames(), trainF, valF,
        testF, model.backbone().name());
    return loop(model, FitContext.onFeatures(model), new FeatureBatches(trainF, features.numClasses()),
        new FeatureBatches(valF, features.numClasses()),
        testF == null ? null : new FeatureBatches(testF, features.numClasses()), features.classNames(), true,
        started);
  }

  /**
   * Fits {@code model}'s head on features computed before (another process, a Spark cluster), in the
   * same loop as {@link #fit(Model, ImageDataset, ImageDataset, ImageDataset)} trains on a frozen
   * backbone's features: the best epoch is selected on the validation split, callbacks, checkpoints
   * and resume behave alike, and an export holds backbone + head (images in, as the features'
   * {@link FeatureSplits#imageShape()}).
   *
   * @throws IllegalArgumentException when the features do not fit the model: a backbone that is not
   *     frozen, another image shape, feature size or number of classes; or augmentation is set
   */
  public TrainResult fit(Model model, FeatureSplits features) {
    checkNotNull(model, "model");
    checkNotNull(features, "features");
    long started = System.nanoTime();
    checkArgument(model.backbone().frozen(), "features train a head on a frozen backbone, but the model's %s is"
        + " trained with its head; load the backbone frozen (a SavedModel backbone without fine-tuning)",
        model.backbone().name());
    checkArgument(testTimeAugmentation == TestTimeAugmentation.NONE, "test-time augmentation does not combine with"
        + " features computed before (%s): they are the features of the images alone", features.source());
    checkArgument(augmentation.isEmpty(), "augmentation does not combine with features computed before (%s):"
        + " they are the features of the un-augmented images", features.source());
    checkArgument(model.imageShape().equals(features.imageShape()), "the model reads images of %s but the"
        + " features of %s were computed from images of %s", model.imageShape(), features.source(),
        features.imageShape());
    checkArgument(model.backbone().featureSize() == features.dimension(), "the model's backbone %s gives %s features"
        + " but %s holds %s per image: give the backbone the features were computed with", model.backbone().name(),
        model.backbone().featureSize(), features.source(), features.dimension());
    checkArgument(model.classes() == features.numClasses(), "the model's head has %s classes but %s has %s",
        model.classes(), features.source(), features.numClasses());
    int classes = features.numClasses();
    log.info("features: {} ({}): {} train / {} validation / {} test rows of {} features, {} classes",
        features.name(), features.source(), features.train().size(), features.validation().size(),
        features.test() == null ? 0 : features.test().size(), features.dimension(), classes);
    return loop(model, FitContext.onFeatures(model), new FeatureBatches(features.train(), classes),
        new FeatureBatches(features.validation(), classes),
        features.test() == null ? null : new FeatureBatches(features.test(), classes), features.classNames(), true,
        started);
  }

  private static void checkFits(Model model, ImageDataset train) {
    long[] hwc = model.imageShape().asArray();
    checkArgument(hwc[0] == train.height() && hwc[1] == train.width() && hwc[2] == train.channels(),
        "the model reads images of %sx%sx%s but %s holds %sx%sx%s", hwc[0], hwc[1], hwc[2], train.name(),
        train.height(), train.width(), train.channels());
    checkArgument(model.classes() == train.numClasses(), "the model's head has %s classes but %s has %s",
        model.classes(), train.name(), train.numClasses());
  }

  /** Builds the graph, restores a checkpoint to resume from, and runs the epochs with the callbacks. */
  private TrainResult loop(Model model, Model trained, BatchSource train, BatchSource validation,
      BatchSource test, List<String> classNames, boolean cachedFeatures, long started) {
    checkArgument(train.size() >= batchSize, "the batch size %s is larger than the %s training examples",
        batchSize, train.size());
    // logged here, not in the fit methods, so runs on images and on cached or precomputed features all say it
    if (weightAverage > 0) {
      log.info("weight average: decay {} per step (validation, test, the best epoch and the export use the averaged"
          + " weights and batch-norm statistics)", weightAverage);
    }
    try (TrainingGraph graph = TrainingGraph.build(trained, this)) {
      RunState state = RunState.start(optimizer.learningRate());
      Path restored = resumeFrom;
      if (resumeFrom != null) {
        state = Checkpoints.restore(graph.session(), resumeFrom);
      } else if (resumeNewest != null) {
        Checkpoints.Restored r = resumeNewest.restoreNewest(graph.session());
        state = r.state();
        restored = r.checkpoint();
        if (!r.passedOver().isEmpty()) {
          log.warn("resuming from {} instead of the damaged {}", r.checkpoint(), r.passedOver().stream()
              .map(d -> d.checkpoint().getFileName().toString()).collect(Collectors.joining(", ")));
        }
      }
      if (restored != null) {
        log.info(String.format("resumed from %s: epoch %d, step %d, lr %.3g", restored, state.epochsDone() + 1,
            state.step(), state.learningRate()));
      }
      graph.optimizer().setLearningRate(graph.session(), state.learningRate());
      FitContext fit = new FitContext(model, this, graph, classNames, cachedFeatures, sessionConfig, state);
      RuntimeException failure = null;
      try {
        return runEpochs(fit, train, validation, test, started);
      } catch (RuntimeException e) {
        failure = e;
        for (Callback c : callbacks) {
          try {
            c.onTrainFailed(fit, e);
          } catch (RuntimeException suppressed) {
            e.addSuppressed(suppressed);
          }
        }
        throw e;
      } finally {
        closeCallbacks(failure);
      }
    }
  }

  /** Closes every callback; the first failure is thrown at the end, or added to the training's failure. */
  private void closeCallbacks(RuntimeException failure) {
    RuntimeException first = null;
    for (Callback c : callbacks) {
      try {
        c.close();
      } catch (RuntimeException e) {
        if (failure != null) {
          failure.addSuppressed(e);
        } else if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }

  /** The epochs, the same for images and for cached features. */
  private TrainResult runEpochs(FitContext fit, BatchSource train, BatchSource validation, BatchSource test,
      long started) {
    TrainingGraph graph = fit.graph();
    RunState state = fit.state();
    callbacks.forEach(c -> c.onTrainBegin(fit));
    List<EpochMetrics> history = new ArrayList<>(state.history());
    boolean stoppedEarly = false;
    // a resumed run that early stopping had ended trains no more (the history says so)
    for (int epoch = state.epochsDone(); epoch < epochs && !budgetSpent(state.step()) && !patienceRunOut(state);
        epoch++) {
      EpochOutcome outcome = trainEpoch(fit, train, epoch);
      if (outcome == null) {
        callbacks.forEach(c -> c.onInterrupted(fit));
        stoppedEarly = true;
        break;
      }
      state = fit.state();
      boolean evaluated = evaluatesAfter(epoch + 1, state.step());
      Evaluation val = evaluated ? evaluate(graph, validation) : Evaluation.NONE;
      Evaluation tst = evaluated && test != null ? evaluate(graph, test) : Evaluation.NONE;
      EpochMetrics m = new EpochMetrics(epoch + 1, state.step(), state.learningRate(), outcome.meanLoss(),
          outcome.accuracy(), val.loss(), val.accuracy(), tst.loss(), tst.accuracy(), outcome.seconds(),
          outcome.imagesPerSecond(), outcome.dataWaitFraction());
      history.add(m);
      boolean improved = val.accuracy() > state.bestValidationAccuracy();
      // a rule that reacts to validation waits for the next evaluation; an epoch-numbered one moves on
      double nextLr = evaluated || !schedule.readsValidation()
          ? schedule.next(epoch + 1, improved, optimizer.learningRate(), state.learningRate(), seed)
          : state.learningRate();
      graph.optimizer().setLearningRate(graph.session(), nextLr);
      state = new RunState(epoch + 1, 0, state.step(), nextLr, improved ? epoch + 1 : state.bestEpoch(),
          improved ? val.accuracy() : state.bestValidationAccuracy(), ImmutableList.copyOf(history));
      fit.state(state);
      for (Callback c : callbacks) {
        c.onEpochEnd(fit, m, improved);
      }
      if (fit.stopRequested()) {
        stoppedEarly = epoch + 1 < epochs && !budgetSpent(state.step());
        break;
      }
    }
    state = fit.state();
    boolean earlyStopped = !stoppedEarly && patienceRunOut(state) && state.epochsDone() < epochs
        && !budgetSpent(state.step());
    if (earlyStopped) {
      log.info(String.format(Locale.ROOT, "early stopping: validation accuracy has not improved on %.2f%% (epoch %d)"
          + " in %d evaluations; the run ends after epoch %d of %d", 100 * state.bestValidationAccuracy(),
          state.bestEpoch(), earlyStopping, state.epochsDone(), epochs));
    }
    TrainResult result = result(history, fit.state(), stoppedEarly, earlyStopped, started, null);
    for (Callback c : callbacks) {
      c.onTrainEnd(fit, result);
      if (fit.exportDir() != null && result.exportDir() == null) {
        // an export callback ran: the callbacks after it see where it wrote
        result = result(history, fit.state(), stoppedEarly, earlyStopped, started, fit.exportDir());
      }
    }
    return result;
  }

  /**
   * Whether epoch {@code epochNumber} (1-based), ended after {@code step} steps, is evaluated: every {@link
   * Builder#evaluateEvery}-th epoch and the run's last one.
   */
  private boolean evaluatesAfter(int epochNumber, long step) {
    return epochNumber % evaluateEvery == 0 || epochNumber >= epochs || budgetSpent(step);
  }

  /**
   * Whether early stopping ({@link Builder#earlyStopping}) ends the run: the last {@code earlyStopping} evaluations
   * after the best epoch did not improve on it. Read from the history, so a resumed run decides as the uninterrupted
   * one did.
   */
  private boolean patienceRunOut(RunState state) {
    if (earlyStopping == 0) {
      return false;
    }
    long since = state.history().stream().filter(m -> m.epoch() > state.bestEpoch() && m.evaluated()).count();
    return state.bestEpoch() > 0 && since >= earlyStopping;
  }

  /** Whether the step budget ({@link Builder#maxSteps}) is used up after {@code step} steps. */
  private boolean budgetSpent(long step) {
    return maxSteps > 0 && step >= maxSteps;
  }

  /** The run's steps: every epoch's batches, or the step budget when it ends the run sooner. */
  private long totalSteps(int batchesPerEpoch) {
    long all = (long) epochs * batchesPerEpoch;
    return maxSteps > 0 ? Math.min(all, maxSteps) : all;
  }

  private static TrainResult result(List<EpochMetrics> history, RunState state, boolean stoppedEarly,
      boolean earlyStopped, long started, Path export) {
    double seconds = (System.nanoTime() - started) / 1e9;
    if (history.isEmpty()) {
      return new TrainResult(0, Double.NaN, Double.NaN, Double.NaN, List.of(), export, seconds, stoppedEarly, false);
    }
    EpochMetrics best = history.get(Math.max(state.bestEpoch(), 1) - 1);
    // epochs between evaluations (evaluateEvery) hold NaN, which max() would return
    double paperProtocol = history.stream().mapToDouble(EpochMetrics::testAccuracy).filter(a -> !Double.isNaN(a))
        .max().orElse(Double.NaN);
    return new TrainResult(best.epoch(), best.validationAccuracy(), best.testAccuracy(), paperProtocol,
        List.copyOf(history), export, seconds, stoppedEarly, earlyStopped);
  }

  private record EpochOutcome(double meanLoss, double accuracy, double seconds, double imagesPerSecond,
      double dataWaitFraction) {}

  /** Trains one epoch; null when a stop was requested before its end ({@code fit.state()} says where). */
  private EpochOutcome trainEpoch(FitContext fit, BatchSource train, int epoch) {
    RunState state = fit.state();
    long step = state.step();
    int skip = state.batchesDone();
    // resumed mid-epoch: the sums of the batches trained before the stop
    double lossSum = state.progress().lossSum();
    long correct = state.progress().correct();
    long seen = state.progress().seen();
    long seenBefore = seen;
    long waitNanos = 0;
    long start = System.nanoTime();
    double lr = state.learningRate();
    try (BatchSource.Batches batches = train.epoch(epoch, batchSize, seed)) {
      long totalSteps = totalSteps(batches.count());
      // the epoch's own batches: all of them, or those left of the step budget
      int count = (int) Math.min(batches.count(), skip + Math.max(0, totalSteps - step));
      for (Callback c : callbacks) {
        c.onEpochBegin(fit, epoch, count);
      }
      int batchIndex = 0;
      while (true) {
        long t0 = System.nanoTime();
        if (!batches.hasNext()) {
          break;
        }
        try (Batch batch = batches.next()) {
          waitNanos += System.nanoTime() - t0;
          if (batchIndex++ < skip) {
            continue; // resumed mid-epoch: these batches were trained before the stop
          }
          if (budgetSpent(step)) {
            break;
          }
          double stepLr = schedule.atStep(step, totalSteps, optimizer.learningRate(), state.learningRate());
          if (stepLr != lr) {
            fit.graph().optimizer().setLearningRate(fit.graph().session(), stepLr);
            lr = stepLr;
          }
          TrainingGraph.MonitoredStep monitored = gradientLogging.measures(step)
              ? fit.graph().trainStepMonitored(batch.images(), batch.labels(), step, gradientLogging.histograms(step))
              : null;
          try {
            TrainingGraph.StepResult r = monitored != null ? monitored.result()
                : fit.graph().trainStep(batch.images(), batch.labels(), step);
            step++;
            lossSum += r.loss() * batch.size();
            correct += r.correct();
            seen += batch.size();
            fit.state(new RunState(epoch, batchIndex, step, lr, state.bestEpoch(),
                state.bestValidationAccuracy(), state.history(), new RunState.EpochProgress(lossSum, correct, seen)));
            if (monitored != null) {
              for (Callback c : callbacks) {
                c.onGradients(fit, monitored.gradients());
              }
            }
            Callback.BatchEnd end = new Callback.BatchEnd(epoch, batchIndex - 1, step, r.loss(), r.correct(),
                batch.size(), lossSum / seen, (seen - seenBefore) / ((System.nanoTime() - start) / 1e9), batch);
            for (Callback c : callbacks) {
              c.onBatchEnd(fit, end);
            }
          } finally {
            if (monitored != null) {
              monitored.close();
            }
          }
          if (fit.stopRequested()) {
            return null;
          }
        }
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    fit.state(new RunState(epoch, 0, step, lr, state.bestEpoch(), state.bestValidationAccuracy(),
        state.history()));
    // speed and time are this invocation's part of the epoch
    return new EpochOutcome(seen == 0 ? 0 : lossSum / seen, seen == 0 ? 0 : (double) correct / seen,
        seconds, (seen - seenBefore) / seconds, waitNanos / 1e9 / seconds);
  }

  /** Mean loss and accuracy of a split in inference mode (NaN for an empty split). */
  public record Evaluation(double loss, double accuracy, long images) {
    static final Evaluation NONE = new Evaluation(Double.NaN, Double.NaN, 0);
  }

  private Evaluation evaluate(TrainingGraph graph, BatchSource split) {
    if (split.size() == 0) {
      return Evaluation.NONE;
    }
    double lossSum = 0;
    long correct = 0;
    long seen = 0;
    try (BatchSource.Batches batches = split.inOrder(evalBatchSize)) {
      while (batches.hasNext()) {
        try (Batch batch = batches.next()) {
          TestTimeAugmentation.Score s = scoreBatch(graph, batch, testTimeAugmentation);
          lossSum += s.lossSum();
          correct += s.correct();
          seen += batch.size();
        }
      }
    }
    return new Evaluation(lossSum / seen, (double) correct / seen, seen);
  }

  /** One evaluation batch in inference mode: the images alone (the graph's own loss), or with {@code tta}'s views. */
  static TestTimeAugmentation.Score scoreBatch(TrainingGraph graph, Batch batch, TestTimeAugmentation tta) {
    if (tta == TestTimeAugmentation.NONE) {
      TrainingGraph.StepResult r = graph.evaluate(batch.images(), batch.labels());
      return new TestTimeAugmentation.Score(r.correct(), r.loss() * batch.size());
    }
    return tta.score(batch.images(), batch.labels(), graph::probabilities);
  }

  public Optimizer optimizer() {
    return optimizer;
  }

  public Schedule schedule() {
    return schedule;
  }

  public int epochs() {
    return epochs;
  }

  /** The step budget; 0 = none (every epoch runs all its batches). */
  public long maxSteps() {
    return maxSteps;
  }

  public int batchSize() {
    return batchSize;
  }

  public long seed() {
    return seed;
  }

  public Precision precision() {
    return precision;
  }

  /** The training images' augmentation steps, in order (empty: none). */
  public List<Augmentation> augmentation() {
    return augmentation;
  }

  /** The label smoothing of the minimized cross-entropy (0: none). */
  public double labelSmoothing() {
    return labelSmoothing;
  }

  /** The decay of the weight average that evaluation and exports use ({@link Builder#weightAverage}); 0: none. */
  public double weightAverage() {
    return weightAverage;
  }

  /** The views whose mean probabilities validation and test accuracy are read from ({@code NONE}: the images). */
  public TestTimeAugmentation testTimeAugmentation() {
    return testTimeAugmentation;
  }

  public List<Callback> callbacks() {
    return callbacks;
  }

  /** The TensorFlow session options of the training and evaluation sessions (null: TF's defaults). */
  public ConfigProto sessionConfig() {
    return sessionConfig;
  }

  /** Images per evaluation batch. */
  public int evalBatchSize() {
    return evalBatchSize;
  }

  /** Early stopping's patience in evaluations ({@link Builder#earlyStopping}); 0: none. */
  public int earlyStopping() {
    return earlyStopping;
  }

  /** Evaluates after every this many epochs, and after the last ({@link Builder#evaluateEvery}). */
  public int evaluateEvery() {
    return evaluateEvery;
  }

  /** How often the training steps' weight gradients are measured for the callbacks. */
  public GradientLogging gradientLogging() {
    return gradientLogging;
  }

  /**
   * Builds a {@link Trainer}. Defaults: SGD with momentum 0.9 at 0.01, a constant rate, 1 epoch,
   * batches of 64, seed 1, float32, no augmentation (in training or at test time), no callbacks, TF's
   * default session, evaluation batches of 500 after every epoch, no early stopping, no gradient logging, no weight
   * average (evaluation and exports use the current weights).
   */
  public static final class Builder {
    private Optimizer optimizer = Optimizer.sgd(0.01, 0.9);
    private Schedule schedule = new Schedule.Constant();
    private int epochs = 1;
    private long maxSteps;
    private int batchSize = 64;
    private long seed = 1;
    private Precision precision = Precision.FP32;
    private double labelSmoothing;
    private double weightAverage;
    private TestTimeAugmentation testTimeAugmentation = TestTimeAugmentation.NONE;
    private List<Augmentation> augmentation = new ArrayList<>();
    private List<Callback> callbacks = new ArrayList<>();
    private ConfigProto sessionConfig;
    private int evalBatchSize = 500;
    private int evaluateEvery = 1;
    private int earlyStopping;
    private Path resumeFrom;
    private Checkpoints resumeNewest;
    private GradientLogging gradientLogging = GradientLogging.OFF;

    private Builder() {}

    public Builder optimizer(Optimizer value) {
      this.optimizer = checkNotNull(value, "Trainer.optimizer");
      return this;
    }

    public Builder schedule(Schedule value) {
      this.schedule = checkNotNull(value, "Trainer.schedule");
      return this;
    }

    public Builder epochs(int value) {
      checkArgument(value >= 1, "Trainer.epochs must be >= 1, got %s", value);
      this.epochs = value;
      return this;
    }

    /**
     * Ends the run after {@code value} training steps in all, even within an epoch (whose validation,
     * test and checkpoint then follow as after a full one): a time budget in steps, like Keras'
     * {@code steps_per_epoch} or Lightning's {@code max_steps}. A {@link Schedule.Cosine} decays over
     * this many steps. 0 (the default): no budget.
     */
    public Builder maxSteps(long value) {
      checkArgument(value >= 0, "Trainer.maxSteps must be >= 0 (0 = no budget), got %s", value);
      this.maxSteps = value;
      return this;
    }

    public Builder batchSize(int value) {
      checkArgument(value >= 1, "Trainer.batchSize must be >= 1, got %s", value);
      this.batchSize = value;
      return this;
    }

    /** Seeds initialization, dropout masks, data order, augmentation and the schedule. */
    public Builder seed(long value) {
      this.seed = value;
      return this;
    }

    public Builder precision(Precision value) {
      this.precision = checkNotNull(value, "Trainer.precision");
      return this;
    }

    /**
     * Minimize the cross-entropy to targets smoothed by {@code epsilon}: {@code (1 - epsilon)} on the label and
     * {@code epsilon / classes} on every class (PyTorch's {@code label_smoothing}; 0.1 is the usual value; 0, the
     * default: none). Reported losses stay the plain cross-entropy.
     */
    public Builder labelSmoothing(double epsilon) {
      checkArgument(epsilon >= 0 && epsilon < 1, "Trainer.labelSmoothing must be in [0, 1), got %s", epsilon);
      this.labelSmoothing = epsilon;
      return this;
    }

    /**
     * Keep an exponential moving average of the weights and batch-norm statistics, updated after every step with
     * decay up to {@code decay} ({@link dev.spinal.train.optim.WeightAverage}: Keras' {@code use_ema}, timm's
     * {@code ModelEma}), and evaluate, checkpoint-select and export the averaged model. 0.999 averages over about the
     * last 1,000 steps; 0, the default: none (the current weights).
     */
    public Builder weightAverage(double decay) {
      checkArgument(decay == 0 || (decay > 0 && decay < 1), "Trainer.weightAverage must be 0 (none) or in (0, 1),"
          + " got %s", decay);
      this.weightAverage = decay;
      return this;
    }

    /**
     * Reads validation and test accuracy (and so picks the best epoch) from the mean probabilities of each image's
     * views, e.g. {@link TestTimeAugmentation#FLIP}: the image and its mirror image. Costs a forward pass per extra
     * view; the exported model still answers for the image alone. Default {@code NONE}.
     */
    public Builder testTimeAugmentation(TestTimeAugmentation value) {
      this.testTimeAugmentation = checkNotNull(value, "Trainer.testTimeAugmentation");
      return this;
    }

    /** Augmentation of the training images, in order, seeded by (seed, epoch). */
    public Builder augmentation(List<Augmentation> steps) {
      this.augmentation = new ArrayList<>(steps);
      return this;
    }

    /** Replaces the callbacks. */
    public Builder callbacks(Callback... values) {
      this.callbacks = new ArrayList<>(List.of(values));
      return this;
    }

    /** Adds a callback after the others. */
    public Builder callback(Callback value) {
      this.callbacks.add(checkNotNull(value, "callback"));
      return this;
    }

    /** TF session options (threads, graph rewrites), or null for TF's defaults. */
    public Builder sessionConfig(ConfigProto value) {
      this.sessionConfig = value;
      return this;
    }

    public Builder evalBatchSize(int value) {
      checkArgument(value >= 1, "Trainer.evalBatchSize must be >= 1, got %s", value);
      this.evalBatchSize = value;
      return this;
    }

    /**
     * End the run when validation accuracy has not improved on its best for {@code patience} evaluations in a row
     * (Keras' and Lightning's {@code EarlyStopping}, on validation accuracy, no minimum change): epochs, or every
     * {@link #evaluateEvery}-th. The run counts as finished ({@link TrainResult#earlyStopped}; {@code --resume}
     * trains no more) and its result is the best epoch's, as always. A schedule planned over the run's steps (cosine,
     * one-cycle) is cut where the run ends. 0, the default: none.
     */
    public Builder earlyStopping(int patience) {
      checkArgument(patience >= 0, "Trainer.earlyStopping must be >= 0 (0: none), got %s", patience);
      this.earlyStopping = patience;
      return this;
    }

    /**
     * Evaluate the validation and test splits after every {@code epochs}-th epoch and after the run's last (Keras'
     * {@code validation_freq}), instead of after every epoch (1, the default). An epoch between evaluations has
     * NaN validation and test figures in its {@link EpochMetrics}; it cannot be the best epoch, and a rule that
     * reacts to validation ({@code plateau-cube}) keeps its rate until the next evaluation. Checkpoints are still
     * written after every epoch. With test-time augmentation or a large validation split an evaluation can cost
     * as much as several hundred training steps: this buys them back.
     */
    public Builder evaluateEvery(int epochs) {
      checkArgument(epochs >= 1, "Trainer.evaluateEvery must be >= 1 (1: after every epoch), got %s", epochs);
      this.evaluateEvery = epochs;
      return this;
    }

    /**
     * Continue from {@code checkpoint} (written by {@link dev.spinal.train.callbacks.Checkpointing}):
     * weights, optimizer slots, learning rate, epoch, step and history; a checkpoint written mid-epoch
     * skips the batches already trained. Null: start fresh.
     */
    public Builder resumeFrom(Path checkpoint) {
      this.resumeFrom = checkpoint;
      this.resumeNewest = null;
      return this;
    }

    /**
     * Continue from the newest usable checkpoint of {@code checkpoints} ({@link Checkpoints#restoreNewest}): a
     * damaged one (a file missing, truncated or corrupt) is passed over, with a warning naming it and the one used
     * instead; when none is usable the fit fails with a {@link CheckpointException} and trains nothing. Null:
     * start fresh.
     */
    public Builder resumeFromNewest(Checkpoints checkpoints) {
      this.resumeNewest = checkpoints;
      this.resumeFrom = null;
      return this;
    }

    /**
     * Measure the per-layer weight-gradient norms (and histograms) of the training steps as {@code value}
     * says, for the callbacks' {@link Callback#onGradients} ({@link dev.spinal.train.callbacks.TensorBoardLog}
     * writes them). Default {@link GradientLogging#OFF}.
     */
    public Builder gradientLogging(GradientLogging value) {
      this.gradientLogging = checkNotNull(value, "Trainer.gradientLogging");
      return this;
    }

    public Trainer build() {
      return new Trainer(this);
    }
  }
}
