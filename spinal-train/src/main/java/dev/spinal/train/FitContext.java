package dev.spinal.train;

import dev.spinal.core.GraphContext;
import dev.spinal.core.backbones.FlattenBackbone;
import dev.spinal.core.model.Model;
import dev.spinal.core.model.ModelGraph;
import dev.spinal.savedmodel.ModelExporter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.tensorflow.Session;
import org.tensorflow.proto.ConfigProto;

/**
 * What a {@link dev.spinal.train.callbacks.Callback} sees of a running {@link Trainer#fit}: the
 * model, the trainer's settings, the graph being trained and its session (for checkpoints), where the
 * run stands, a way to ask the loop to stop, and an export of the current weights.
 *
 * <p>With a frozen backbone the graph being trained is the head alone on cached features
 * ({@link #trainsCachedFeatures()}); {@link #export} still writes backbone + head.
 */
public final class FitContext {

  private final Model model;
  private final Trainer trainer;
  private final TrainingGraph graph;
  private final List<String> classNames;
  private final boolean cachedFeatures;
  private final ConfigProto sessionConfig;
  private final AtomicBoolean stopRequested = new AtomicBoolean();
  private volatile RunState state;
  private Path exportDir;

  FitContext(Model model, Trainer trainer, TrainingGraph graph, List<String> classNames,
      boolean cachedFeatures, ConfigProto sessionConfig, RunState state) {
    this.model = model;
    this.trainer = trainer;
    this.graph = graph;
    this.classNames = List.copyOf(classNames);
    this.cachedFeatures = cachedFeatures;
    this.sessionConfig = sessionConfig;
    this.state = state;
  }

  /** The model being fitted (backbone + head), as the user gave it. */
  public Model model() {
    return model;
  }

  public Trainer trainer() {
    return trainer;
  }

  /**
   * The graph the loop steps: the whole model, or with a frozen backbone the head on a features
   * input ({@code [b, 1, 1, D]}).
   */
  public TrainingGraph graph() {
    return graph;
  }

  /** The training session: weights, optimizer slots and learning rate, what checkpoints hold. */
  public Session session() {
    return graph.session();
  }

  /** True when the head trains on a frozen backbone's cached features. */
  public boolean trainsCachedFeatures() {
    return cachedFeatures;
  }

  /** Class names in label order. */
  public List<String> classNames() {
    return classNames;
  }

  /** Where the run stands: completed epochs, step, learning rate, best epoch, history. */
  public RunState state() {
    return state;
  }

  void state(RunState value) {
    this.state = value;
  }

  /**
   * Asks the loop to stop after the current step (thread-safe: a signal handler may call it). The
   * loop then calls {@link dev.spinal.train.callbacks.Callback#onInterrupted} if the epoch was not
   * finished, and ends with {@link TrainResult#stoppedEarly()} set.
   */
  public void requestStop() {
    stopRequested.set(true);
  }

  public boolean stopRequested() {
    return stopRequested.get();
  }

  /**
   * Exports the current weights as backbone + head (an inference graph: no dropout, batch norm on
   * moving statistics, no optimizer) to the next version under {@code base}, and records it as the
   * run's export ({@link TrainResult#exportDir()}).
   */
  public Path export(Path base, Map<String, Object> metadata) throws IOException {
    exportDir = export(model, graph, cachedFeatures, trainer.seed(), sessionConfig, base, classNames, metadata);
    return exportDir;
  }

  /**
   * Exports {@code model} with the weights of {@code graph}'s session: its inference twin, or, when
   * {@code graph} is the head on cached features, backbone + head with the head's weights copied in.
   */
  static Path export(Model model, TrainingGraph graph, boolean cachedFeatures, long seed,
      ConfigProto sessionConfig, Path base, List<String> classNames, Map<String, Object> metadata)
      throws IOException {
    if (!cachedFeatures) {
      return ModelExporter.export(graph.inference(), base, classNames, metadata);
    }
    // the head was trained on features: build backbone + head and copy the head's weights in by name
    try (ModelGraph full = ModelGraph.build(model, GraphContext.Mode.INFERENCE, seed, sessionConfig)) {
      graph.copyModelInto(full.graph(), full.session());
      full.refreshDerived();
      return ModelExporter.export(full, base, classNames, metadata);
    }
  }

  Path exportDir() {
    return exportDir;
  }

  /** The model the loop trains on cached features: a flatten "backbone" of the features + the head. */
  static Model onFeatures(Model model) {
    long d = model.backbone().featureSize();
    return Model.builder().backbone(new FlattenBackbone(1, 1, d)).head(model.head()).build();
  }
}
