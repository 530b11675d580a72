package dev.spinal.train;

import static com.google.common.base.Preconditions.checkArgument;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spinal.core.backbones.Backbone;
import dev.spinal.core.heads.HeadSpec;
import dev.spinal.core.model.Model;
import dev.spinal.core.runtime.OneDnn;
import dev.spinal.datasets.DataOptions;
import dev.spinal.datasets.DataSource;
import dev.spinal.datasets.DatasetInfo;
import dev.spinal.datasets.DatasetId;
import dev.spinal.datasets.DatasetSplits;
import dev.spinal.datasets.Datasets;
import dev.spinal.datasets.ImageDataset;
import dev.spinal.datasets.Normalization;
import dev.spinal.savedmodel.FineTune;
import dev.spinal.savedmodel.ModelTrust;
import dev.spinal.savedmodel.SavedModelAudit;
import dev.spinal.savedmodel.TemporaryFolders;
import dev.spinal.train.batches.FeatureSplits;
import dev.spinal.train.batches.FeatureSplitsReader;
import dev.spinal.train.callbacks.Callback;
import dev.spinal.train.callbacks.Checkpointing;
import dev.spinal.train.callbacks.EpochLog;
import dev.spinal.train.callbacks.ExportBest;
import dev.spinal.train.callbacks.MetricsLog;
import dev.spinal.train.callbacks.NanGuard;
import dev.spinal.train.callbacks.ProgressBarLogger;
import dev.spinal.train.callbacks.StopAfterEpochs;
import dev.spinal.train.callbacks.StopOnSignal;
import dev.spinal.train.callbacks.TensorBoardLog;
import dev.spinal.train.plots.Plots;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.proto.ConfigProto;

/**
 * Runs described by a {@link TrainConfig} in a run folder: what {@code spinal train} and
 * {@code --resume} do. It turns the config into the typed parts ({@link #model}, {@link #trainer}) and
 * composes the run folder's callbacks: {@code config.json}, {@code metrics.jsonl},
 * {@code tensorboard/}, {@code checkpoints/} (+ best), {@code result.json}, the NaN guard, Ctrl-C, the
 * export of the best epoch.
 */
public final class Runs {

  private static final Logger log = LoggerFactory.getLogger(Runs.class);

  /** The run folder's chart of accuracy and loss per epoch. */
  public static final String CURVES_PNG = "curves.png";

  private Runs() {}

  /** How a run is executed (not part of the run's identity, not saved). */
  public record Options(Path runDir, Path exportBase, boolean progress, ConfigProto sessionConfig,
      PrintStream log, int evalBatchSize, int stopAfterEpochs, GradientLogging gradientLogging,
      List<Callback> callbacks, Duration timeBudget) {
    public Options {
      callbacks = List.copyOf(callbacks);
    }

    /** Defaults: progress bar on, default session, epoch lines to stderr, eval batches of 500, no gradient logging. */
    public static Options of(Path runDir) {
      return new Options(runDir, null, true, null, System.err, 500, 0, GradientLogging.OFF, List.of(), null);
    }

    public Options withExport(Path base) {
      return new Options(runDir, base, progress, sessionConfig, log, evalBatchSize, stopAfterEpochs, gradientLogging,
          callbacks, timeBudget);
    }

    public Options withProgress(boolean on) {
      return new Options(runDir, exportBase, on, sessionConfig, log, evalBatchSize, stopAfterEpochs, gradientLogging,
          callbacks, timeBudget);
    }

    public Options withSessionConfig(ConfigProto config) {
      return new Options(runDir, exportBase, progress, config, log, evalBatchSize, stopAfterEpochs, gradientLogging,
          callbacks, timeBudget);
    }

    public Options withLog(PrintStream out) {
      return new Options(runDir, exportBase, progress, sessionConfig, out, evalBatchSize, stopAfterEpochs,
          gradientLogging, callbacks, timeBudget);
    }

    /** Stop (as Ctrl-C would) after this many epochs of this invocation; 0 = never. */
    public Options stoppingAfter(int epochs) {
      return new Options(runDir, exportBase, progress, sessionConfig, log, evalBatchSize, epochs, gradientLogging,
          callbacks, timeBudget);
    }

    /** Per-layer gradient norms (and histograms) to the run's {@code tensorboard/} as {@code value} says. */
    public Options withGradientLogging(GradientLogging value) {
      return new Options(runDir, exportBase, progress, sessionConfig, log, evalBatchSize, stopAfterEpochs,
          java.util.Objects.requireNonNull(value, "gradientLogging"), callbacks, timeBudget);
    }

    /** Adds callbacks after the run folder's own (they run before result.json is written). */
    public Options withCallbacks(Callback... more) {
      List<Callback> all = new java.util.ArrayList<>(callbacks);
      all.addAll(List.of(more));
      return new Options(runDir, exportBase, progress, sessionConfig, log, evalBatchSize, stopAfterEpochs,
          gradientLogging, all, timeBudget);
    }

    /**
     * Sizes a new run to {@code budget} on this machine ({@link TimeBudget}): the run's epochs and step budget become
     * the plan's, in its {@code config.json}; null: the config's own.
     */
    public Options withTimeBudget(Duration budget) {
      return new Options(runDir, exportBase, progress, sessionConfig, log, evalBatchSize, stopAfterEpochs,
          gradientLogging, callbacks, budget);
    }

    /** The same options for another run folder (e.g. each run of an ablation). */
    public Options inFolder(Path folder) {
      return new Options(folder, exportBase, progress, sessionConfig, log, evalBatchSize, stopAfterEpochs,
          gradientLogging, callbacks, timeBudget);
    }
  }

  /**
   * The checks a run makes before it loads any data: the backbone is there ({@link Backbones#checkAvailable}) and
   * can do what the config asks ({@code --fine-tune}, {@code --augment}).
   *
   * @throws IllegalArgumentException naming the option and what is missing
   */
  public static void check(TrainConfig config) {
    Backbones.checkAvailable(config.backbone(), config.fineTune(), config.augment());
    checkFineTune(config);
    auditBackbone(config);
  }

  /**
   * Starts a new run in {@code options.runDir()} (which must not hold a run already). While it trains the folder is
   * this process's alone ({@link RunFolderLock}).
   *
   * @throws RunFolderLock.RunFolderBusyException when another process trains in the folder: nothing is written
   */
  public static TrainResult start(TrainConfig config, Options options) {
    if (config.features() != null) {
      checkFeaturesRun(config); // before the features are read: that may take a while
      checkNoRunIn(options.runDir());
      return start(config, options, FeatureSplitsReader.readAny(Path.of(config.features())));
    }
    check(config);
    checkNoRunIn(options.runDir());
    // data first: a source that fails to load leaves no config.json that would pass for a run to resume
    DatasetSplits data = loadData(config);
    return startLocked(config, options, data);
  }

  /**
   * Starts a new run on splits the caller made (e.g. a subset of a dataset's classes);
   * {@code config.dataset()} still names the dataset (its normalization), {@code config.limit()} is not
   * applied. A run started so cannot be resumed from its config alone.
   */
  public static TrainResult start(TrainConfig config, Options options, DatasetSplits data) {
    check(config);
    return startLocked(config, options, data);
  }

  /** {@link #startPlanned} with the run folder locked for this process ({@link RunFolderLock}). */
  private static TrainResult startLocked(TrainConfig config, Options options, DatasetSplits data) {
    try (RunFolderLock lock = lock(options)) {
      checkNoRunIn(options.runDir()); // again: another process may have started one since
      return startPlanned(config, options, data);
    }
  }

  /** The run folder, for this process alone while it trains there. */
  private static RunFolderLock lock(Options options) {
    return RunFolderLock.acquire(options.runDir(), "training");
  }

  /** Plans the run when the options give a time budget, writes its config.json, and runs it. */
  private static TrainResult startPlanned(TrainConfig config, Options options, DatasetSplits data) {
    TimeBudget.Plan plan = null;
    if (options.timeBudget() != null) {
      Trainer trainer = trainer(config).sessionConfig(options.sessionConfig()).evalBatchSize(options.evalBatchSize())
          .build();
      long evaluated = data.validation().size() + (data.test() == null ? 0 : data.test().size());
      plan = TimeBudget.plan(options.timeBudget(), model(config, data.train()), trainer, data.train(), evaluated);
      log.info(plan.describe());
      // the plan becomes the run's own settings: config.json holds them, so --resume continues the same run
      config = config.toBuilder().epochs(plan.epochs()).maxSteps(plan.steps()).build();
    }
    writeConfig(config, options.runDir());
    if (plan != null) {
      writeJson(options.runDir().resolve(TIME_BUDGET_FILE), planJson(plan));
    }
    return run(config, options, data, null);
  }

  /** The run folder's record of a time budget's plan (see {@link Options#withTimeBudget}). */
  public static final String TIME_BUDGET_FILE = "time-budget.json";

  private static Map<String, Object> planJson(TimeBudget.Plan plan) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("budget", TimeBudget.format(plan.budget()));
    json.put("budget_seconds", plan.budget().toSeconds());
    json.put("steps", plan.steps());
    json.put("epochs", plan.epochs());
    json.put("batches_per_epoch", plan.batchesPerEpoch());
    json.put("seconds_per_step", plan.secondsPerStep());
    json.put("seconds_per_evaluation", plan.secondsPerEvaluation());
    json.put("evaluations", plan.evaluations());
    json.put("setup_seconds", plan.setupSeconds());
    json.put("planned_seconds", plan.plannedSeconds());
    return json;
  }

  /**
   * Starts a new run on features computed before (e.g. on a Spark cluster): the head trains on them,
   * the export holds {@code config.backbone()} (the backbone that computed them, which must be a frozen
   * SavedModel backbone) + the head. {@code config.features()} is where {@code --resume} reads them
   * again; the run folder's {@value #FEATURES_FILE} records their image shape and class names, which an
   * export of a checkpoint needs.
   */
  public static TrainResult start(TrainConfig config, Options options, FeatureSplits features) {
    checkArgument(options.timeBudget() == null, "a time budget plans runs that train their backbone; a run on"
        + " features trains a head on features computed before: give the number of epochs instead");
    checkFeaturesRun(config);
    check(config);
    checkNoRunIn(options.runDir());
    Model model = model(config, features);
    try (RunFolderLock lock = lock(options)) {
      checkNoRunIn(options.runDir()); // again: another process may have started one since
      writeConfig(config, options.runDir());
      writeJson(options.runDir().resolve(FEATURES_FILE), featuresMetadata(features));
      return runOnFeatures(config, options, model, features, null);
    }
  }

  private static void checkNoRunIn(Path runDir) {
    if (Files.exists(runDir.resolve("config.json"))) {
      throw new IllegalArgumentException(runDir + " already holds a run (config.json); use --resume " + runDir
          + " to continue it, or another --out");
    }
  }

  /** The run folder file of a run on features computed before: their image shape, class names and source. */
  public static final String FEATURES_FILE = "features.json";

  /**
   * Continues the run in {@code options.runDir()} from its newest usable checkpoint: a damaged one (a file missing,
   * truncated or corrupt) is passed over to the previous one, then to {@code best/}, with a warning naming both
   * ({@link Checkpoints#restoreNewest}). A run stopped before its first checkpoint (no checkpoint, no epoch in
   * {@code metrics.jsonl}) starts from its first epoch, saying so.
   *
   * @throws CheckpointException when the run has checkpoints but none is usable: nothing is trained, nothing
   *     overwritten
   * @throws RunFolderLock.RunFolderBusyException when another process trains in the folder: nothing is touched
   */
  public static TrainResult resume(Options options) {
    TrainConfig config = readConfig(options.runDir()).orElseThrow(() -> new IllegalArgumentException(
        "nothing to resume: " + options.runDir().resolve("config.json") + " does not exist"));
    try (RunFolderLock lock = lock(options)) {
      return resumeLocked(config, options);
    }
  }

  private static TrainResult resumeLocked(TrainConfig config, Options options) {
    Checkpoints checkpoints = new Checkpoints(options.runDir(), config.keepCheckpoints());
    try {
      checkpoints.cleanUp();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot clean up " + checkpoints.dir() + ": " + e.getMessage(), e);
    }
    if (checkpoints.candidates().isEmpty()) {
      if (epochsLogged(options.runDir()) > 0) {
        throw new CheckpointException(checkpoints.dir(), "no checkpoint to resume from, but metrics.jsonl lists "
            + epochsLogged(options.runDir()) + " trained epochs: the checkpoints were removed; start the run again"
            + " in a new folder");
      }
      log.warn("{} holds no checkpoint yet (the run stopped before its first one): starting it from epoch 1",
          options.runDir());
      return resumeFrom(config, options, null);
    }
    checkpoints.requireUsable(); // before the data and the features are loaded
    return resumeFrom(config, options, checkpoints);
  }

  /** Trains the run of {@code config} again, on its images or its features, from {@code checkpoints} (null: epoch 1). */
  private static TrainResult resumeFrom(TrainConfig config, Options options, Checkpoints checkpoints) {
    if (config.features() != null) {
      FeatureSplits features = FeatureSplitsReader.readAny(Path.of(config.features()));
      return runOnFeatures(config, options, model(config, features), features, checkpoints);
    }
    return run(config, options, loadData(config), checkpoints);
  }

  /** The epochs a run has trained so far: the lines of its {@code metrics.jsonl} (0 when there is none). */
  public static long epochsLogged(Path runDir) {
    Path metrics = runDir.resolve("metrics.jsonl");
    try (Stream<String> lines = Files.exists(metrics) ? Files.lines(metrics) : Stream.empty()) {
      return lines.filter(l -> !l.isBlank()).count();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + metrics + ": " + e.getMessage(), e);
    }
  }

  /**
   * The config of the run in {@code runDir} (its {@code config.json}), or empty when the folder holds no run.
   *
   * @throws UncheckedIOException naming the file when it cannot be read as a config
   */
  public static java.util.Optional<TrainConfig> readConfig(Path runDir) {
    Path configFile = runDir.resolve("config.json");
    if (!Files.isRegularFile(configFile)) {
      return java.util.Optional.empty();
    }
    try {
      return java.util.Optional.of(Checkpoints.JSON_READER.readValue(configFile.toFile(), TrainConfig.class));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + configFile + ": " + e.getMessage(), e);
    }
  }

  /**
   * Loads the configured data: the registry dataset ({@code config.dataset()}, checksums verified unless
   * {@code verifyChecksums} is off), or the user's own files at {@code config.data()}
   * ({@link DataSource#detect}), split and sized as the config says.
   */
  public static DatasetSplits loadData(TrainConfig config) {
    if (config.features() != null) {
      throw new IllegalArgumentException("the run trains on the features in " + config.features()
          + ", not on images: there is no image data to load");
    }
    DataOptions options = dataOptions(config);
    if (config.data() != null) {
      return Datasets.load(DataSource.detect(Path.of(config.data())), options);
    }
    DatasetId id = DatasetId.fromKey(config.dataset());
    if (config.channels() > 0 || config.skipBadFiles()) {
      throw new IllegalArgumentException((config.channels() > 0 ? "--channels" : "--skip-bad-files")
          + " applies to your own data (--data); " + id + " is loaded as published");
    }
    if (config.imageHeight() > 0 && id.kind() != DatasetId.Kind.IMAGE_FOLDER) {
      throw new IllegalArgumentException("--image-size applies to your own data (--data) and the image-folder"
          + " datasets (caltech101, bird225, fruits360); " + id + " is stored at its published size");
    }
    return Datasets.load(id, options);
  }

  /** The {@link DataOptions} a config describes (splits, seed, image size, channels, checks, limit, path). */
  public static DataOptions dataOptions(TrainConfig config) {
    DataOptions.Builder data = DataOptions.builder()
        .seed(config.effectiveSplitSeed())
        .validationFraction(config.validationFraction())
        .testFraction(config.testFraction())
        .verifyChecksums(config.verifyChecksums())
        .skipBadFiles(config.skipBadFiles());
    if (config.limit() > 0) {
      data.limit(config.limit());
    }
    if (config.dataPath() != null) {
      data.path(Path.of(config.dataPath()));
    }
    if (config.imageHeight() > 0) {
      data.imageSize(config.imageHeight(), config.imageWidth());
    }
    if (config.channels() > 0) {
      data.channels(config.channels());
    }
    return data.build();
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

  /** The model {@code config} describes, for images like {@code train}'s: backbone, head, normalization. */
  public static Model model(TrainConfig config, ImageDataset train) {
    Backbone backbone = Backbones.resolve(config.backbone(), train.height(), train.width(), train.channels(),
        config.backboneTraining(), config.savedModelTrust());
    Normalization norm = normalization(config, train);
    return Model.builder()
        .backbone(backbone)
        .head(config.head().create(headSpec(config, backbone.featureSize(), train.numClasses())))
        .normalization(norm.mean(train.channels()), norm.std(train.channels()))
        .build();
  }

  /** The head {@code config} describes on {@code featureSize} features for {@code classes} classes. */
  public static HeadSpec headSpec(TrainConfig config, long featureSize, int classes) {
    return HeadSpec.builder()
        .inputSize(featureSize)
        .width(config.width())
        .depth(config.depth())
        .classes(classes)
        .dropout(config.dropout())
        .batchNorm(config.batchNorm())
        .build();
  }

  /**
   * The model {@code config} describes for features computed before: {@code config.backbone()} (a
   * SavedModel backbone folder, loaded frozen for the features' image shape) + the head for their
   * classes. The normalization is the backbone's own preprocessing.
   *
   * @throws IllegalArgumentException when the backbone is built in (its weights would not be the ones
   *     that computed the features) or gives another number of features
   */
  public static Model model(TrainConfig config, FeatureSplits features) {
    checkFeaturesRun(config);
    Shape hwc = features.imageShape();
    Backbone backbone = Backbones.resolve(config.backbone(), (int) hwc.get(0), (int) hwc.get(1), (int) hwc.get(2),
        FineTune.FROZEN, config.savedModelTrust());
    if (backbone.featureSize() != features.dimension()) {
      throw new IllegalArgumentException("--backbone " + config.backbone() + " gives " + backbone.featureSize()
          + " features per image but " + features.source() + " holds " + features.dimension()
          + ": give the backbone the features were computed with");
    }
    return Model.builder()
        .backbone(backbone)
        .head(config.head().create(headSpec(config, backbone.featureSize(), features.numClasses())))
        .build();
  }

  private static void checkFeaturesRun(TrainConfig config) {
    if (Backbones.isBuiltIn(config.backbone())) {
      throw new IllegalArgumentException("--features: give --backbone, the SavedModel backbone folder the features"
          + " were computed with (the export is that backbone + the trained head); '" + config.backbone()
          + "' is built in");
    }
    if (config.fineTune() || config.augment()) {
      throw new IllegalArgumentException("--features trains a head on fixed features: --fine-tune and --augment"
          + " need the images");
    }
  }

  /** The trainer settings {@code config} describes (no callbacks: the run folder's are added by a run). */
  public static Trainer.Builder trainer(TrainConfig config) {
    Optimizer optimizer = switch (config.optimizer()) {
      case SGD -> Optimizer.sgd(config.learningRate(), config.momentum());
      case ADAM -> Optimizer.adam(config.learningRate());
    };
    return Trainer.builder()
        .optimizer(optimizer.withWeightDecay(config.weightDecay()))
        .labelSmoothing(config.labelSmoothing())
        .weightAverage(config.weightAverage())
        .testTimeAugmentation(config.testTimeAugmentation())
        .evaluateEvery(config.evaluateEvery())
        .earlyStopping(config.earlyStopping())
        .schedule(config.parsedSchedule())
        .epochs(config.epochs())
        .maxSteps(config.maxSteps())
        .batchSize(config.batchSize())
        .seed(config.seed())
        .precision(config.precision())
        .augmentation(config.augmentation().steps());
  }

  /**
   * The normalization of a model trained on {@code train}: a registry dataset's is the paper's scripts' values; a
   * user's own data's is measured on its training split ({@link Normalization#measure}), the same again on
   * {@code --resume} and export since the split is seeded.
   */
  public static Normalization normalization(TrainConfig config, ImageDataset train) {
    if (config.data() != null) {
      return Normalization.measure(train);
    }
    return DatasetId.fromKey(config.dataset()).paperNormalization();
  }

  private static TrainResult run(TrainConfig config, Options options, DatasetSplits data, Checkpoints resume) {
    writeMachine(options.runDir());
    ImageDataset train = data.train();
    log.info("data: {} ({}): {}x{}x{} images, train {}, validation {}, test {}; {} classes: {}",
        data.info().name(), data.info().source(), train.height(), train.width(), train.channels(), train.size(),
        data.validation().size(), data.test().size(), train.numClasses(), abbreviate(train.classNames()));
    Model model = model(config, train);
    log.info("backbone: {}, {}", model.backbone().name(), model.backbone().frozen()
        ? "frozen: features computed once and cached" : "trained with the head");
    RunCallbacks run = callbacks(config, options, model, resume);
    if (options.exportBase() != null) {
      run.trainer().callback(new ExportBest(run.checkpointing(), options.exportBase(),
          result -> exportMetadata(config, model, result, train, data.info())));
    }
    // result.json and the summary before the signal handler lets a stopping JVM exit
    run.trainer().callback(new RunSummary(options.runDir(), options.log(), config)).callback(new StopOnSignal());
    return run.trainer().build().fit(model, data);
  }

  /** A run on features computed before: the run folder's callbacks around {@link Trainer#fit(Model, FeatureSplits)}. */
  private static TrainResult runOnFeatures(TrainConfig config, Options options, Model model, FeatureSplits features,
      Checkpoints resume) {
    writeMachine(options.runDir());
    RunCallbacks run = callbacks(config, options, model, resume);
    if (options.exportBase() != null) {
      run.trainer().callback(new ExportBest(run.checkpointing(), options.exportBase(),
          result -> exportMetadata(config, model, result, features)));
    }
    run.trainer().callback(new RunSummary(options.runDir(), options.log(), config)).callback(new StopOnSignal());
    return run.trainer().build().fit(model, features);
  }

  /** A run folder's trainer with its callbacks up to the export, and its checkpointing. */
  private record RunCallbacks(Trainer.Builder trainer, Checkpointing checkpointing) {}

  /** NaN guard, progress bar, epoch lines, metrics.jsonl, TensorBoard, checkpoints (and a stop for tests). */
  private static RunCallbacks callbacks(TrainConfig config, Options options, Model model, Checkpoints resume) {
    Checkpointing checkpointing = new Checkpointing(options.runDir(), config.keepCheckpoints());
    Trainer.Builder trainer = trainer(config)
        .sessionConfig(options.sessionConfig())
        .evalBatchSize(options.evalBatchSize())
        .resumeFromNewest(resume)
        .gradientLogging(options.gradientLogging())
        .callbacks(new NanGuard(checkpointing.checkpoints().dir()));
    if (options.progress()) {
      trainer.callback(new ProgressBarLogger());
    }
    trainer.callback(new EpochLog(options.log(), options.progress() || !model.backbone().frozen() ? 1 : 10))
        .callback(new MetricsLog(options.runDir().resolve("metrics.jsonl")))
        .callback(new TensorBoardLog(options.runDir().resolve("tensorboard")))
        .callback(checkpointing);
    if (options.stopAfterEpochs() > 0) {
      trainer.callback(new StopAfterEpochs(options.stopAfterEpochs()));
    }
    options.callbacks().forEach(trainer::callback);
    return new RunCallbacks(trainer, checkpointing);
  }

  /**
   * Writes {@code result.json}, draws {@code curves.png} (accuracy and loss per epoch) and prints the summary
   * table (and how to continue a stopped run).
   */
  private record RunSummary(Path runDir, PrintStream out, TrainConfig config) implements Callback {
    @Override
    public void onTrainEnd(FitContext fit, TrainResult result) {
      try {
        writeResult(runDir, result, config);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write " + runDir.resolve("result.json") + ": " + e.getMessage(), e);
      }
      if (!result.history().isEmpty()) {
        try {
          String data = config.dataset() != null ? config.dataset()
              : Path.of(config.data() != null ? config.data() : config.features()).getFileName().toString();
          Plots.trainingCurves(String.format("%s head on %s, %s backbone, seed %d", config.head().cliName(), data,
              config.backbone(), config.seed()), result.history(), runDir.resolve(CURVES_PNG));
        } catch (RuntimeException | LinkageError e) {
          // a chart is a convenience: a machine that cannot draw (no fonts, say) still gets its run
          log.warn("could not draw {}: {}", runDir.resolve(CURVES_PNG), e.toString());
        }
      }
      if (result.stoppedEarly()) {
        out.printf("stopped before the last epoch; checkpoint saved. Continue with --resume %s%n", runDir);
      }
      out.print(SummaryTable.render(result));
    }
  }

  /**
   * Exports checkpoint {@code checkpoint} of a run as the next version under {@code base}: backbone +
   * head, whether the run trained the whole model or a head on a frozen backbone's cached features.
   */
  public static Path exportCheckpoint(TrainConfig config, Path checkpoint, ImageDataset train, Path base,
      Map<String, Object> metadata) throws IOException {
    Model model = model(config, train);
    boolean features = model.backbone().frozen();
    Model trained = features ? FitContext.onFeatures(model) : model;
    try (TrainingGraph graph = TrainingGraph.build(trained, trainer(config).precision(Precision.FP32).build())) {
      Checkpoints.restore(graph.session(), checkpoint);
      return FitContext.export(model, graph, features, config.seed(), null, base, train.classNames(), metadata);
    }
  }

  /**
   * Exports checkpoint {@code checkpoint} of a run on features computed before ({@link
   * TrainConfig#features()}) as the next version under {@code base}: backbone + head, for images of the
   * shape its run folder's {@value #FEATURES_FILE} records (the features themselves are not read).
   */
  public static Path exportFeaturesCheckpoint(TrainConfig config, Path runDir, Path checkpoint, Path base,
      Map<String, Object> metadata) throws IOException {
    Path file = runDir.resolve(FEATURES_FILE);
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(runDir + " trained on features (" + config.features() + ") but has no "
          + FEATURES_FILE + " with their image shape and class names");
    }
    var json = Checkpoints.JSON.readTree(file.toFile());
    var shape = json.path("image_shape");
    List<String> classNames = new java.util.ArrayList<>();
    json.path("classes").forEach(n -> classNames.add(n.asText()));
    if (shape.size() != 3 || classNames.size() < 2) {
      throw new IllegalArgumentException(file + ": expected image_shape [H, W, C] and >= 2 classes, got "
          + shape + " and " + classNames);
    }
    Backbone backbone = Backbones.resolve(config.backbone(), shape.get(0).asInt(), shape.get(1).asInt(),
        shape.get(2).asInt(), false);
    Model model = Model.builder().backbone(backbone).head(config.head().create(dev.spinal.core.heads.HeadSpec.builder()
        .inputSize(backbone.featureSize()).width(config.width()).depth(config.depth()).classes(classNames.size())
        .dropout(config.dropout()).batchNorm(config.batchNorm()).build())).build();
    try (TrainingGraph graph = TrainingGraph.build(FitContext.onFeatures(model),
        trainer(config).precision(Precision.FP32).build())) {
      Checkpoints.restore(graph.session(), checkpoint);
      return FitContext.export(model, graph, true, config.seed(), null, base, classNames, metadata);
    }
  }

  /** What a features run's {@value #FEATURES_FILE} and its export's {@code spinal.json} say of the features. */
  static Map<String, Object> featuresMetadata(FeatureSplits features) {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("name", features.name());
    d.put("source", features.source());
    d.put("image_shape", List.of(features.imageShape().asArray()[0], features.imageShape().asArray()[1],
        features.imageShape().asArray()[2]));
    d.put("feature_size", features.dimension());
    d.put("classes", features.classNames());
    d.put("train_rows", features.train().size());
    d.put("validation_rows", features.validation().size());
    d.put("test_rows", features.test() == null ? 0 : features.test().size());
    return d;
  }

  /**
   * What an export's {@code assets.extra/spinal.json} says about a run on features computed before:
   * its config, the epoch and accuracies, the class names, the input and the features' source.
   */
  public static Map<String, Object> exportMetadata(TrainConfig config, Model model, TrainResult result,
      FeatureSplits features) {
    Map<String, Object> meta = new LinkedHashMap<>();
    meta.put("config", config);
    meta.put("classes", features.classNames());
    meta.put("features", featuresMetadata(features));
    meta.put("epoch", result.bestEpoch());
    meta.put("validation_accuracy", result.validationAccuracy());
    meta.put("test_accuracy", result.testAccuracy());
    long[] hwc = features.imageShape().asArray();
    meta.put("input", "images: float32 [-1, " + hwc[0] + ", " + hwc[1] + ", " + hwc[2] + "], pixels / 255; the"
        + " graph applies the backbone's preprocessing");
    meta.put("backbone", config.backbone());
    meta.put("backbone_mode", "frozen (head trained on features computed before)");
    return meta;
  }

  /** What an export's {@code assets.extra/spinal.json} says about a run. */
  public static Map<String, Object> exportMetadata(TrainConfig config, Model model, TrainResult result,
      ImageDataset train) {
    return exportMetadata(config, model, result, train, null);
  }

  /**
   * What an export's {@code assets.extra/spinal.json} says about a run: its config (and, from a recipe,
   * {@code recipe}: {@link RecipeOverrides#toMetadata()}), the epoch and accuracies, the
   * class names (label order, as in {@code classes.txt}), the input and its normalization and, with {@code info},
   * where the data came from ({@code data}: name, source, path, split sizes, skipped files).
   */
  public static Map<String, Object> exportMetadata(TrainConfig config, Model model, TrainResult result,
      ImageDataset train, DatasetInfo info) {
    Map<String, Object> meta = new LinkedHashMap<>();
    meta.put("config", config);
    RecipeOverrides.of(config).ifPresent(r -> meta.put("recipe", r.toMetadata()));
    meta.put("classes", train.classNames());
    if (info != null) {
      meta.put("data", dataMetadata(info));
    }
    meta.put("epoch", result.bestEpoch());
    meta.put("validation_accuracy", result.validationAccuracy());
    meta.put("test_accuracy", result.testAccuracy());
    String size = "[-1, " + train.height() + ", " + train.width() + ", " + train.channels() + "]";
    if (model.backbone().preprocessesItself()) {
      meta.put("input", "images: float32 " + size + ", pixels / 255; the graph applies the backbone's preprocessing");
      meta.put("backbone", config.backbone());
    } else {
      meta.put("input", "images: float32 " + size + ", pixels / 255; the graph applies mean/std itself");
      meta.put("normalization_mean", model.mean());
      meta.put("normalization_std", model.std());
    }
    if (model.backbone().frozen()) {
      meta.put("backbone_mode", "frozen (features cached while training)");
    }
    return meta;
  }

  /** The {@code data} entry of spinal.json. */
  static Map<String, Object> dataMetadata(DatasetInfo info) {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("name", info.name());
    d.put("registry", info.id() != null);
    d.put("source", info.source());
    d.put("path", info.root() == null ? null : info.root().toAbsolutePath().toString());
    d.put("image_shape", List.of(info.height(), info.width(), info.channels()));
    d.put("train_images", info.trainSize());
    d.put("validation_images", info.validationSize());
    d.put("test_images", info.testSize());
    d.put("skipped_files", info.skippedFiles().size());
    return d;
  }

  private static String abbreviate(List<String> names) {
    return names.size() <= 10 ? String.join(", ", names) : String.join(", ", names.subList(0, 10)) + ", ...";
  }

  private static void checkFineTune(TrainConfig config) {
    if (config.fineTune() && Backbones.isBuiltIn(config.backbone())) {
      throw new IllegalArgumentException("--fine-tune applies to SavedModel backbones; " + config.backbone()
          + " is always trained");
    }
  }

  /**
   * Audits a SavedModel backbone before the data loads and before config.json is written, so that a refused
   * backbone leaves no run folder behind (loading it audits it again, a cheap read of saved_model.pb, and logs
   * what a trusted one was let through with).
   */
  private static void auditBackbone(TrainConfig config) {
    if (!Backbones.isBuiltIn(config.backbone()) && config.savedModelTrust() == ModelTrust.AUDITED) {
      SavedModelAudit.check(Backbones.folder(config.backbone(), PretrainedBackbones.fromEnvironment()),
          config.savedModelTrust());
    }
  }

  private static void writeConfig(TrainConfig config, Path runDir) {
    Path configFile = runDir.resolve("config.json");
    try {
      Files.createDirectories(runDir);
      Path tmp = TemporaryFolders.createFile(runDir, ".config-", ".json");
      Checkpoints.JSON.writeValue(tmp.toFile(), config);
      Files.move(tmp, configFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + configFile + ": " + e.getMessage(), e);
    }
  }

  /**
   * Writes {@code runDir/machine.json}: the CPU (model, family, AVX-512, AVX512_BF16, AMX), cores and TensorFlow's
   * oneDNN state of this invocation, so that a run's speed can be read with the machine it ran on.
   */
  static void writeMachine(Path runDir) {
    Path file = runDir.resolve("machine.json");
    try {
      Files.createDirectories(runDir);
      Path tmp = TemporaryFolders.createFile(runDir, ".machine-", ".json");
      Checkpoints.JSON.writeValue(tmp.toFile(), OneDnn.current().toMap());
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * The result of the finished run in {@code runDir}: its {@code result.json} (written atomically when a run
   * ends), or empty when there is none, it cannot be read as a result, or the run was stopped before its
   * last epoch.
   */
  public static java.util.Optional<TrainResult> finishedResult(Path runDir) {
    Path file = runDir.resolve("result.json");
    if (!Files.isRegularFile(file)) {
      return java.util.Optional.empty();
    }
    try {
      JsonNode json = Checkpoints.JSON.readTree(file.toFile());
      if (json instanceof ObjectNode fields) {
        fields.remove("recipe"); // what writeResult adds beside the result's own fields
      }
      TrainResult r = Checkpoints.JSON_READER.treeToValue(json, TrainResult.class);
      return r.history().isEmpty() || r.stoppedEarly() ? java.util.Optional.empty() : java.util.Optional.of(r);
    } catch (IOException e) {
      log.warn("{} cannot be read as a run's result ({}): the run counts as unfinished", file, e.getMessage());
      return java.util.Optional.empty();
    }
  }

  /** Writes {@code value} as JSON to {@code file} through a temporary file. */
  private static void writeJson(Path file, Object value) {
    try {
      Files.createDirectories(file.getParent());
      Path tmp = TemporaryFolders.createFile(file.getParent(), ".tmp-", ".json");
      Checkpoints.JSON.writeValue(tmp.toFile(), value);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Writes {@code runDir/result.json} atomically: the {@link TrainResult}'s fields and, for a run started from a
   * recipe, {@code "recipe"} ({@link RecipeOverrides#toMetadata()}: which of its settings the run changed, a
   * substitute backbone).
   */
  static void writeResult(Path runDir, TrainResult result, TrainConfig config) throws IOException {
    Path target = runDir.resolve("result.json");
    ObjectNode json = Checkpoints.JSON.valueToTree(result);
    RecipeOverrides.of(config).ifPresent(r -> json.set("recipe", Checkpoints.JSON.valueToTree(r.toMetadata())));
    Path tmp = TemporaryFolders.createFile(runDir, ".result-", ".json");
    Checkpoints.JSON.writeValue(tmp.toFile(), json);
    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
