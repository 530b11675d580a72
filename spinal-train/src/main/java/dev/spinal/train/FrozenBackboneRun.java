package dev.spinal.train;

import com.google.common.collect.ImmutableList;
import dev.spinal.core.GraphContext;
import dev.spinal.core.backbones.FlattenBackbone;
import dev.spinal.datasets.DatasetId;
import dev.spinal.datasets.DatasetSplits;
import dev.spinal.datasets.ImageDataset;
import dev.spinal.datasets.Normalization;
import dev.spinal.train.transfer.FeatureCache;
import dev.spinal.train.transfer.FeatureExtractor;
import dev.spinal.train.transfer.SavedModelBackbone;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * A run with a frozen {@link SavedModelBackbone}: every image's features are computed once (in
 * memory: train + validation + test, {@code 4 * D} bytes per image), then only the head trains, in
 * a small graph on a features input ({@code [b, 1, 1, D]} through {@link FlattenBackbone}), so an
 * epoch costs the head alone. The run folder, metrics, TensorBoard scalars, checkpoints (of the head
 * graph) and result are those of {@link Trainer}; {@code --resume} continues from the newest epoch
 * checkpoint (the features are recomputed first).
 *
 * <p>No augmentation: cached features are those of the un-augmented images ({@link Backbones}
 * refuses {@code --augment} here). Ctrl-C is not caught: an epoch on cached features takes seconds.
 *
 * <p>The export is backbone + head in one graph: the backbone imported with its preprocessing, the
 * same head built on its features, the head's trained weights copied in by variable name.
 */
final class FrozenBackboneRun {

  private final TrainConfig config;
  private final Trainer.Options options;
  private final SavedModelBackbone backbone;
  private final DatasetSplits data;
  private final long started;

  FrozenBackboneRun(TrainConfig config, Trainer.Options options, SavedModelBackbone backbone,
      DatasetSplits data, long started) {
    this.config = config;
    this.options = options;
    this.backbone = backbone;
    this.data = data;
    this.started = started;
  }

  TrainResult run(boolean resuming) {
    PrintStream log = options.log();
    ImageDataset train = data.train();
    FeatureCache trainF;
    FeatureCache valF;
    FeatureCache testF;
    try (FeatureExtractor fx = new FeatureExtractor(backbone, options.sessionConfig())) {
      trainF = fx.extract(train, 256);
      valF = fx.extract(data.validation(), 256);
      testF = fx.extract(data.test(), 256);
    }
    double featureSeconds = trainF.seconds() + valF.seconds() + testF.seconds();
    long images = trainF.size() + valF.size() + testF.size();
    log.printf("features: %d images through the backbone once in %.1f s (%.0f images/s), cached in memory"
        + " (%.1f MB)%n", images, featureSeconds, images / featureSeconds,
        images * backbone.featureSize() * 4 / 1e6);

    Checkpoints checkpoints = new Checkpoints(options.runDir(), config.keepCheckpoints());
    FlattenBackbone features = new FlattenBackbone(1, 1, backbone.featureSize());
    try (TrainingGraph head = TrainingGraph.build(config, features, train.numClasses(), new float[] {0f},
            new float[] {1f}, options.sessionConfig());
        TensorBoardWriter board = new TensorBoardWriter(options.runDir().resolve("tensorboard"))) {
      RunState state = RunState.start(config.learningRate());
      if (resuming) {
        Path latest = checkpoints.latest().orElseThrow(() ->
            new IllegalArgumentException("nothing to resume: no checkpoint in " + checkpoints.dir()));
        state = Checkpoints.restore(head.session(), latest);
        log.printf("resumed from %s: epoch %d, step %d%n", latest, state.epochsDone() + 1, state.step());
      }
      head.optimizer().setLearningRate(head.session(), state.learningRate());
      List<EpochMetrics> history = new ArrayList<>(state.history());
      int batch = config.batchSize();
      int batches = trainF.size() / batch;
      if (batches == 0) {
        throw new IllegalArgumentException("--batch " + batch + " is larger than the " + trainF.size()
            + " training images");
      }
      for (int epoch = state.epochsDone(); epoch < config.epochs(); epoch++) {
        long t0 = System.nanoTime();
        int[] order = permutation(trainF.size(), config.seed(), epoch);
        long step = state.step();
        double lossSum = 0;
        long correct = 0;
        for (int b = 0; b < batches; b++) {
          TrainingGraph.StepResult r;
          try (TFloat32 x = trainF.batch(order, b * batch, (b + 1) * batch);
              TInt32 y = trainF.labels(order, b * batch, (b + 1) * batch)) {
            r = head.trainStep(x, y, step++);
          }
          if (!Double.isFinite(r.loss())) {
            throw new TrainingDivergedException(String.format("loss became %s at epoch %d, step %d; stopping."
                + " The last good checkpoint is in %s (try a lower --lr)", r.loss(), epoch + 1, step,
                checkpoints.dir()));
          }
          lossSum += r.loss() * batch;
          correct += r.correct();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        long seen = (long) batches * batch;
        Trainer.Evaluation val = evaluate(head, valF);
        Trainer.Evaluation test = evaluate(head, testF);
        EpochMetrics m = new EpochMetrics(epoch + 1, step, state.learningRate(), lossSum / seen,
            (double) correct / seen, val.loss(), val.accuracy(), test.loss(), test.accuracy(), seconds,
            seen / seconds, 0);
        history.add(m);
        boolean improved = val.accuracy() > state.bestValidationAccuracy();
        double nextLr = config.parsedSchedule().next(epoch + 1, improved, config.learningRate(),
            state.learningRate(), config.seed());
        head.optimizer().setLearningRate(head.session(), nextLr);
        state = new RunState(epoch + 1, 0, step, nextLr, improved ? epoch + 1 : state.bestEpoch(),
            improved ? val.accuracy() : state.bestValidationAccuracy(), ImmutableList.copyOf(history));
        checkpoints.save(head.session(), state, improved);
        Trainer.record(options.runDir(), m, board);
        if (options.progress() || epoch + 1 == config.epochs() || (epoch + 1) % 10 == 0) {
          log.printf("epoch %d/%d: loss %.4f, train %.2f%%, validation %.2f%%, test %.2f%%%s, %.0f img/s"
                  + " (cached features), %.2f s%n", epoch + 1, config.epochs(), m.trainLoss(),
              100 * m.trainAccuracy(), 100 * m.validationAccuracy(), 100 * m.testAccuracy(),
              improved ? " (best validation)" : "", m.imagesPerSecond(), m.seconds());
        }
      }
      EpochMetrics best = history.get(Math.max(state.bestEpoch(), 1) - 1);
      double paperProtocol = history.stream().mapToDouble(EpochMetrics::testAccuracy).max().orElse(0);
      Path export = null;
      if (options.exportBase() != null) {
        Checkpoints.restore(head.session(), checkpoints.best());
        Normalization norm = DatasetId.fromKey(config.dataset()).paperNormalization();
        Map<String, Object> meta = Trainer.exportMetadata(config, best, norm, train);
        meta.put("input", "images: float32 [-1, " + train.height() + ", " + train.width() + ", "
            + train.channels() + "], pixels / 255; the graph applies the backbone's preprocessing");
        meta.remove("normalization_mean");
        meta.remove("normalization_std");
        meta.put("backbone", backbone.dir().toString());
        meta.put("backbone_mode", "frozen (features cached while training)");
        export = exportWithBackbone(config, backbone, head, train, options.exportBase(), meta,
            options.sessionConfig());
        log.printf("exported backbone + the best-validation head (epoch %d) to %s%n", best.epoch(), export);
      }
      TrainResult result = new TrainResult(best.epoch(), best.validationAccuracy(), best.testAccuracy(),
          paperProtocol, List.copyOf(history), export, (System.nanoTime() - started) / 1e9, false);
      Trainer.writeResult(options.runDir(), result);
      log.print(SummaryTable.render(result));
      return result;
    } catch (IOException e) {
      throw new UncheckedIOException(e.getMessage(), e);
    }
  }

  /**
   * Exports a frozen run's head checkpoint with its backbone (what {@code spinal export} does for a
   * run whose backbone is a frozen SavedModel: its checkpoints hold the head graph only).
   */
  static Path exportCheckpoint(TrainConfig config, Path checkpoint, ImageDataset train, Path base,
      Map<String, Object> metadata) throws IOException {
    SavedModelBackbone backbone = (SavedModelBackbone) Backbones.resolve(config.backbone(), train.height(),
        train.width(), train.channels(), false);
    FlattenBackbone features = new FlattenBackbone(1, 1, backbone.featureSize());
    try (TrainingGraph head = TrainingGraph.build(config, features, train.numClasses(), new float[] {0f},
        new float[] {1f}, null)) {
      Checkpoints.restore(head.session(), checkpoint);
      return exportWithBackbone(config, backbone, head, train, base, metadata, null);
    }
  }

  /** A seeded permutation of {@code [0, n)}, a function of (seed, epoch) only: resume sees the same order. */
  static int[] permutation(int n, long seed, int epoch) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Random random = new Random(seed * 1_000_003L + epoch);
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    return order;
  }

  static Trainer.Evaluation evaluate(TrainingGraph head, FeatureCache split) {
    if (split.size() == 0) {
      return new Trainer.Evaluation(Double.NaN, Double.NaN, 0);
    }
    int[] rows = new int[split.size()];
    for (int i = 0; i < rows.length; i++) {
      rows[i] = i;
    }
    double lossSum = 0;
    long correct = 0;
    for (int from = 0; from < rows.length; from += 1000) {
      int to = Math.min(rows.length, from + 1000);
      try (TFloat32 x = split.batch(rows, from, to); TInt32 y = split.labels(rows, from, to)) {
        TrainingGraph.StepResult r = head.evaluate(x, y);
        lossSum += r.loss() * (to - from);
        correct += r.correct();
      }
    }
    return new Trainer.Evaluation(lossSum / rows.length, (double) correct / rows.length, rows.length);
  }

  /**
   * Builds backbone + head as one inference graph, copies {@code head}'s weights into it by variable
   * name and exports it with {@link ModelExporter} (next version under {@code base}).
   */
  static Path exportWithBackbone(TrainConfig config, SavedModelBackbone backbone, TrainingGraph head,
      ImageDataset train, Path base, Map<String, Object> metadata,
      org.tensorflow.proto.ConfigProto sessionConfig) throws IOException {
    try (ModelGraph full = ModelGraph.build(GraphContext.Mode.INFERENCE, config, backbone, train.numClasses(),
        new float[] {0f}, new float[] {1f}, sessionConfig, parts -> null).model()) {
      VariableCopy.prepare(head.context(), full.graph()).copy(head.session(), full.session());
      full.refreshDerived();
      return ModelExporter.export(full, base, train.classNames(), metadata);
    }
  }
}
