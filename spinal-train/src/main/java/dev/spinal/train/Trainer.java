package dev.spinal.train;

import com.google.common.collect.ImmutableList;
import dev.spinal.core.backbones.Backbone;
import dev.spinal.datasets.Augmentations;
import dev.spinal.datasets.Batch;
import dev.spinal.datasets.BatchStream;
import dev.spinal.datasets.DataOptions;
import dev.spinal.datasets.DatasetId;
import dev.spinal.datasets.DatasetSplits;
import dev.spinal.datasets.Datasets;
import dev.spinal.datasets.ImageDataset;
import dev.spinal.datasets.Normalization;
import dev.spinal.train.transfer.SavedModelBackbone;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.tensorflow.proto.ConfigProto;

/**
 * Trains a classifier head on a backbone, epoch by epoch: training with the recipe's optimizer and
 * schedule, then validation and test evaluation, metrics to {@code metrics.jsonl} and TensorBoard,
 * a checkpoint per epoch (and the best). The reported result is the test accuracy of the epoch with
 * the best validation accuracy; the paper's protocol (best test accuracy over all epochs) is reported
 * beside it, labelled.
 *
 * <p>A run's folder holds {@code config.json}, {@code metrics.jsonl}, {@code tensorboard/},
 * {@code checkpoints/} and {@code result.json}. {@link #resume} continues a run from its newest
 * checkpoint with the same epoch, step, optimizer slots, learning rate and data order.
 */
public final class Trainer {

  /** How a run is executed (not part of the run's identity). */
  public record Options(Path runDir, Path exportBase, boolean progress, ConfigProto sessionConfig,
      PrintStream log, int evalBatchSize, int stopAfterEpochs) {
    /** Defaults: progress bar on, default session, log to stderr, eval batches of 500. */
    public static Options of(Path runDir) {
      return new Options(runDir, null, true, null, System.err, 500, 0);
    }

    public Options withExport(Path base) {
      return new Options(runDir, base, progress, sessionConfig, log, evalBatchSize, stopAfterEpochs);
    }

    public Options withProgress(boolean on) {
      return new Options(runDir, exportBase, on, sessionConfig, log, evalBatchSize, stopAfterEpochs);
    }

    public Options withSessionConfig(ConfigProto config) {
      return new Options(runDir, exportBase, progress, config, log, evalBatchSize, stopAfterEpochs);
    }

    /** Stop (as Ctrl-C would) after this many epochs of this invocation; 0 = never. For tests. */
    public Options stoppingAfter(int epochs) {
      return new Options(runDir, exportBase, progress, sessionConfig, log, evalBatchSize, epochs);
    }
  }

  private final TrainConfig config;
  private final Options options;
  private final AtomicBoolean stopRequested = new AtomicBoolean();
  private final CountDownLatch stopped = new CountDownLatch(1);

  private Trainer(TrainConfig config, Options options) {
    this.config = config;
    this.options = options;
  }

  /** Starts a new run in {@code options.runDir()} (which must not hold a run already). */
  public static TrainResult train(TrainConfig config, Options options) {
    Backbones.checkAvailable(config.backbone(), config.fineTune(), config.augment());
    Path configFile = options.runDir().resolve("config.json");
    if (Files.exists(configFile)) {
      throw new IllegalArgumentException(options.runDir() + " already holds a run (config.json);"
          + " use --resume " + options.runDir() + " to continue it, or another --out");
    }
    try {
      Files.createDirectories(options.runDir());
      Path tmp = Files.createTempFile(options.runDir(), ".config-", ".json");
      Checkpoints.JSON.writeValue(tmp.toFile(), config);
      Files.move(tmp, configFile, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + configFile + ": " + e.getMessage(), e);
    }
    return new Trainer(config, options).run(false);
  }

  /** Continues the run in {@code options.runDir()} from its newest checkpoint. */
  public static TrainResult resume(Options options) {
    Path configFile = options.runDir().resolve("config.json");
    if (!Files.isRegularFile(configFile)) {
      throw new IllegalArgumentException("nothing to resume: " + configFile + " does not exist");
    }
    try {
      TrainConfig config = Checkpoints.JSON.readValue(configFile.toFile(), TrainConfig.class);
      return new Trainer(config, options).run(true);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + configFile + ": " + e.getMessage(), e);
    }
  }

  /**
   * Exports checkpoint {@code checkpoint} of a run with a frozen SavedModel backbone (whose
   * checkpoints hold the head only) as backbone + head, the next version under {@code base}.
   */
  public static Path exportFrozenBackboneCheckpoint(TrainConfig config, Path checkpoint, ImageDataset train,
      Path base, Map<String, Object> metadata) throws IOException {
    return FrozenBackboneRun.exportCheckpoint(config, checkpoint, train, base, new LinkedHashMap<>(metadata));
  }

  /** True when {@code config}'s checkpoints hold a head trained on cached SavedModel-backbone features. */
  public static boolean isFrozenBackboneRun(TrainConfig config) {
    return !Backbones.isBuiltIn(config.backbone()) && !config.fineTune();
  }

  /** Loads the configured dataset. */
  static DatasetSplits loadData(TrainConfig config) {
    return loadData(config.dataset(), config.dataPath() == null ? null : Path.of(config.dataPath()),
        config.limit(), config.seed());
  }

  /**
   * Loads a dataset's splits; {@code limit} 0 means all images, {@code path} null means resolve
   * (cache, system locations, download).
   */
  public static DatasetSplits loadData(String dataset, Path path, int limit, long seed) {
    DataOptions.Builder data = DataOptions.builder().seed(seed);
    if (limit > 0) {
      data.limit(limit);
    }
    if (path != null) {
      data.path(path);
    }
    return Datasets.load(dataset, data.build());
  }

  /**
   * Starts a new run on splits the caller made (e.g. a subset of a dataset's classes);
   * {@code config.dataset()} still names the dataset (its normalization), {@code config.limit()} is not
   * applied. A run started so cannot be resumed from its config alone.
   */
  public static TrainResult train(TrainConfig config, Options options, DatasetSplits data) {
    Backbones.checkAvailable(config.backbone(), config.fineTune(), config.augment());
    try {
      Files.createDirectories(options.runDir());
      Checkpoints.JSON.writeValue(options.runDir().resolve("config.json").toFile(), config);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new Trainer(config, options).run(false, data, System.nanoTime());
  }

  private TrainResult run(boolean resuming) {
    long started = System.nanoTime();
    Backbones.checkAvailable(config.backbone(), config.fineTune(), config.augment());
    if (config.fineTune() && Backbones.isBuiltIn(config.backbone())) {
      throw new IllegalArgumentException("--fine-tune applies to SavedModel backbones; " + config.backbone()
          + " is always trained");
    }
    DatasetSplits data = loadData(config);
    return run(resuming, data, started);
  }

  private TrainResult run(boolean resuming, DatasetSplits data, long started) {
    PrintStream log = options.log();
    ImageDataset train = data.train();
    Backbone backbone = Backbones.resolve(config.backbone(), train.height(), train.width(), train.channels(),
        config.fineTune());
    Normalization norm = DatasetId.fromKey(config.dataset()).paperNormalization();
    log.printf("data: %s train / %s validation / %s test images of %dx%dx%d, %d classes%n",
        train.size(), data.validation().size(), data.test().size(), train.height(), train.width(),
        train.channels(), train.numClasses());
    if (config.precision() != Precision.FP32) {
      log.printf("precision: %s mixed precision in the training steps; evaluation and export in float32%n",
          config.precision());
    }
    if (backbone instanceof SavedModelBackbone savedModel) {
      log.printf("backbone: %s (%s format, input %s, %d features), %s%n", savedModel.dir(), savedModel.format(),
          savedModel.modelInputShape(), savedModel.featureSize(), savedModel.trainable()
              ? "fine-tuned: its weights train with the head" : "frozen: features computed once and cached");
      if (!savedModel.trainable()) {
        return new FrozenBackboneRun(config, options, savedModel, data, started).run(resuming);
      }
    }

    Thread hook = new Thread(this::requestStopAndWait, "spinal-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    Checkpoints checkpoints = new Checkpoints(options.runDir(), config.keepCheckpoints());
    try (TrainingGraph model = TrainingGraph.build(config, backbone, train.numClasses(),
            norm.mean(train.channels()), norm.std(train.channels()),
            options.sessionConfig());
        TensorBoardWriter board = new TensorBoardWriter(options.runDir().resolve("tensorboard"))) {
      RunState state = RunState.start(config.learningRate());
      if (resuming) {
        Path latest = checkpoints.latest().orElseThrow(() ->
            new IllegalArgumentException("nothing to resume: no checkpoint in " + checkpoints.dir()));
        state = Checkpoints.restore(model.session(), latest);
        log.printf("resumed from %s: epoch %d, step %d, lr %.3g%n", latest, state.epochsDone() + 1,
            state.step(), state.learningRate());
      }
      model.optimizer().setLearningRate(model.session(), state.learningRate());
      List<EpochMetrics> history = new ArrayList<>(state.history());
      boolean stoppedEarly = false;
      int epochsThisRun = 0;
      for (int epoch = state.epochsDone(); epoch < config.epochs(); epoch++) {
        EpochOutcome outcome = trainEpoch(model, train, epoch, state);
        state = outcome.state();
        if (outcome.interrupted()) {
          checkpoints.save(model.session(), state, false);
          log.printf("stopped in epoch %d after step %d; checkpoint saved. Continue with --resume %s%n",
              epoch + 1, state.step(), options.runDir());
          stoppedEarly = true;
          break;
        }
        Evaluation val = evaluate(model, data.validation(), norm);
        Evaluation test = evaluate(model, data.test(), norm);
        EpochMetrics m = new EpochMetrics(epoch + 1, state.step(), state.learningRate(),
            outcome.meanLoss(), outcome.accuracy(), val.loss(), val.accuracy(), test.loss(),
            test.accuracy(), outcome.seconds(), outcome.imagesPerSecond(), outcome.dataWaitFraction());
        history.add(m);
        boolean improved = val.accuracy() > state.bestValidationAccuracy();
        double nextLr = config.parsedSchedule().next(epoch + 1, improved, config.learningRate(),
            state.learningRate(), config.seed());
        model.optimizer().setLearningRate(model.session(), nextLr);
        state = new RunState(epoch + 1, 0, state.step(), nextLr,
            improved ? epoch + 1 : state.bestEpoch(),
            improved ? val.accuracy() : state.bestValidationAccuracy(), ImmutableList.copyOf(history));
        checkpoints.save(model.session(), state, improved);
        record(m, board);
        log.printf("epoch %d/%d: loss %.4f, train %.2f%%, validation %.2f%%, test %.2f%%%s, %.0f img/s, %.0f s%n",
            epoch + 1, config.epochs(), m.trainLoss(), 100 * m.trainAccuracy(), 100 * m.validationAccuracy(),
            100 * m.testAccuracy(), improved ? " (best validation)" : "", m.imagesPerSecond(), m.seconds());
        epochsThisRun++;
        if (stopRequested.get() || (options.stopAfterEpochs() > 0 && epochsThisRun >= options.stopAfterEpochs())) {
          stoppedEarly = epoch + 1 < config.epochs();
          break;
        }
      }
      if (history.isEmpty()) {
        throw new IllegalStateException("no epoch completed; nothing to report");
      }
      EpochMetrics best = history.get(Math.max(state.bestEpoch(), 1) - 1);
      double paperProtocol = history.stream().mapToDouble(EpochMetrics::testAccuracy).max().orElse(0);
      Path export = null;
      if (options.exportBase() != null && !stoppedEarly) {
        Checkpoints.restore(model.session(), checkpoints.best());
        export = ModelExporter.export(model, options.exportBase(), train.classNames(), exportMetadata(best, norm, train));
        log.printf("exported the best-validation model (epoch %d) to %s%n", best.epoch(), export);
      }
      TrainResult result = new TrainResult(best.epoch(), best.validationAccuracy(), best.testAccuracy(),
          paperProtocol, List.copyOf(history), export, (System.nanoTime() - started) / 1e9, stoppedEarly);
      writeResult(result);
      log.print(SummaryTable.render(result));
      return result;
    } catch (IOException e) {
      throw new UncheckedIOException(e.getMessage(), e);
    } finally {
      stopped.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the JVM is exiting (Ctrl-C): the hook is running and waits for `stopped`
      }
    }
  }

  private Map<String, Object> exportMetadata(EpochMetrics best, Normalization norm, ImageDataset train) {
    return exportMetadata(config, best, norm, train);
  }

  static Map<String, Object> exportMetadata(TrainConfig config, EpochMetrics best, Normalization norm,
      ImageDataset train) {
    Map<String, Object> meta = new LinkedHashMap<>();
    meta.put("config", config);
    meta.put("epoch", best.epoch());
    meta.put("validation_accuracy", best.validationAccuracy());
    meta.put("test_accuracy", best.testAccuracy());
    meta.put("input", "images: float32 [-1, " + train.height() + ", " + train.width() + ", "
        + train.channels() + "], pixels / 255; the graph applies mean/std itself");
    meta.put("normalization_mean", norm.mean());
    meta.put("normalization_std", norm.std());
    return meta;
  }

  private void requestStopAndWait() {
    stopRequested.set(true);
    try {
      // let the training loop finish its step and write the checkpoint
      stopped.await(120, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private record EpochOutcome(RunState state, double meanLoss, double accuracy, double seconds,
      double imagesPerSecond, double dataWaitFraction, boolean interrupted) {}

  private BatchStream.Builder trainStream(ImageDataset train, int epoch) {
    BatchStream.Builder b = BatchStream.builder(train)
        .batchSize(config.batchSize())
        .shuffle(config.seed())
        .seed(config.seed())
        .epoch(epoch)
        .normalize(Normalization.UNIT)
        .prefetch(3)
        .dropLast(true);
    if (config.augment()) {
      b.augment(Augmentations.mnistPaperTrain());
    }
    return b;
  }

  private EpochOutcome trainEpoch(TrainingGraph model, ImageDataset train, int epoch, RunState state) {
    long step = state.step();
    int skip = state.batchesDone();
    double lossSum = 0;
    long correct = 0;
    long seen = 0;
    long waitNanos = 0;
    long start = System.nanoTime();
    try (BatchStream stream = trainStream(train, epoch).build();
        ProgressBar bar = progressBar(epoch, stream.numBatches())) {
      int batchIndex = 0;
      while (true) {
        long t0 = System.nanoTime();
        if (!stream.hasNext()) {
          break;
        }
        try (Batch batch = stream.next()) {
          waitNanos += System.nanoTime() - t0;
          if (batchIndex++ < skip) {
            continue; // resumed mid-epoch: these batches were trained before the stop
          }
          TrainingGraph.StepResult r = model.trainStep(batch.images(), batch.labels(), step);
          step++;
          if (!Double.isFinite(r.loss())) {
            throw new TrainingDivergedException(String.format(
                "loss became %s at epoch %d, step %d; stopping. The last good checkpoint is in %s"
                    + " (try a lower --lr)", r.loss(), epoch + 1, step, options.runDir().resolve("checkpoints")));
          }
          lossSum += r.loss() * batch.size();
          correct += r.correct();
          seen += batch.size();
          if (bar != null) {
            double secs = (System.nanoTime() - start) / 1e9;
            bar.step();
            bar.setExtraMessage(String.format("loss %.4f  %.0f img/s", lossSum / seen, seen / secs));
          }
          if (stopRequested.get()) {
            RunState mid = new RunState(epoch, batchIndex, step, state.learningRate(), state.bestEpoch(),
                state.bestValidationAccuracy(), state.history());
            return new EpochOutcome(mid, 0, 0, 0, 0, 0, true);
          }
        }
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    RunState after = new RunState(epoch, 0, step, state.learningRate(), state.bestEpoch(),
        state.bestValidationAccuracy(), state.history());
    return new EpochOutcome(after, seen == 0 ? 0 : lossSum / seen, seen == 0 ? 0 : (double) correct / seen,
        seconds, seen / seconds, waitNanos / 1e9 / seconds, false);
  }

  private ProgressBar progressBar(int epoch, int batches) {
    if (!options.progress()) {
      return null;
    }
    return new ProgressBarBuilder()
        .setTaskName(String.format("epoch %d/%d", epoch + 1, config.epochs()))
        .setInitialMax(batches)
        .setStyle(ProgressBarStyle.ASCII)
        .setUpdateIntervalMillis(1000)
        .setMaxRenderedLength(110)
        .build();
  }

  /** Mean loss and accuracy of a split in inference mode. */
  public record Evaluation(double loss, double accuracy, long images) {}

  Evaluation evaluate(TrainingGraph model, ImageDataset split, Normalization norm) {
    if (split.size() == 0) {
      return new Evaluation(Double.NaN, Double.NaN, 0);
    }
    double lossSum = 0;
    long correct = 0;
    long seen = 0;
    try (BatchStream stream = BatchStream.builder(split).batchSize(options.evalBatchSize())
        .normalize(Normalization.UNIT).prefetch(2).dropLast(false).build()) {
      while (stream.hasNext()) {
        try (Batch batch = stream.next()) {
          TrainingGraph.StepResult r = model.evaluate(batch.images(), batch.labels());
          lossSum += r.loss() * batch.size();
          correct += r.correct();
          seen += batch.size();
        }
      }
    }
    return new Evaluation(lossSum / seen, (double) correct / seen, seen);
  }

  private void record(EpochMetrics m, TensorBoardWriter board) throws IOException {
    record(options.runDir(), m, board);
  }

  /** Appends {@code m} to {@code runDir/metrics.jsonl} and writes its scalars to TensorBoard. */
  static void record(Path runDir, EpochMetrics m, TensorBoardWriter board) throws IOException {
    Path metrics = runDir.resolve("metrics.jsonl");
    String line = Checkpoints.JSON.copy().disable(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT)
        .writeValueAsString(m) + "\n";
    Files.writeString(metrics, line, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    board.scalar("train/loss", m.trainLoss(), m.step());
    board.scalar("train/accuracy", m.trainAccuracy(), m.step());
    board.scalar("validation/loss", m.validationLoss(), m.step());
    board.scalar("validation/accuracy", m.validationAccuracy(), m.step());
    board.scalar("test/accuracy", m.testAccuracy(), m.step());
    board.scalar("learning_rate", m.learningRate(), m.step());
    board.scalar("images_per_second", m.imagesPerSecond(), m.step());
    board.flush();
  }

  private void writeResult(TrainResult result) throws IOException {
    writeResult(options.runDir(), result);
  }

  /** Writes {@code runDir/result.json} atomically. */
  static void writeResult(Path runDir, TrainResult result) throws IOException {
    Path target = runDir.resolve("result.json");
    Path tmp = Files.createTempFile(runDir, ".result-", ".json");
    Checkpoints.JSON.writeValue(tmp.toFile(), result);
    Files.move(tmp, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }
}
