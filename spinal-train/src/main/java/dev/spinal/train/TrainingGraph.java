package dev.spinal.train;

import dev.spinal.core.GraphContext;
import dev.spinal.core.losses.CrossEntropy;
import dev.spinal.core.model.Model;
import dev.spinal.core.model.ModelGraph;
import dev.spinal.core.model.VariableCopy;
import dev.spinal.train.optim.ScheduledOptimizer;
import dev.spinal.train.optim.WeightAverage;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Op;
import org.tensorflow.op.core.Variable;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.RunMetadata;
import org.tensorflow.proto.RunOptions;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * The graphs and sessions of one training run: {@code images} {@code [-1, H, W, C]} (pixels scaled to
 * [0, 1]; the graph normalizes them with the dataset's mean and std, so an exported model needs no
 * preprocessing beyond /255) and {@code labels} {@code [-1]} in, the classifier's outputs, the mean
 * cross-entropy, the number of correct predictions, and one op that runs a training step (optimizer
 * update plus batch-norm moving averages).
 *
 * <p>Two graphs, built alike from the same seed so that their variables have the same names: the
 * training graph ({@link GraphContext.Mode#TRAINING}: batch statistics, dropout, optimizer) that
 * {@link #trainStep} runs and {@link #session()} checkpoints, and an inference graph
 * ({@link GraphContext.Mode#INFERENCE}: moving statistics, no dropout, no training ops) that
 * {@link #evaluate}, {@link #predict} and exports run. One graph with a {@code training} switch would
 * compute and differentiate both batch-norm behaviours in every step; measured in BENCHMARKS.md.
 * The inference graph is built on first use and its variables are copied from the training session
 * whenever they may have changed (after a training step or any use of {@link #session()}).
 *
 * <p>The {@link Precision} applies to the training session only. With a {@link Trainer.Builder#weightAverage weight
 * average}, the inference graph (so evaluation and exports) gets the averaged weights and statistics instead of the
 * training session's current ones.
 */
public final class TrainingGraph implements AutoCloseable {

  private final ModelGraph model;
  private final Op trainStep;
  private final ScheduledOptimizer optimizer;
  private final Builder builder;
  private final GradientMonitor monitor;
  private final WeightAverage average;
  private ModelGraph inference;
  private VariableCopy toInference;
  private boolean inferenceStale = true;

  /** What both graphs are built from. */
  private record Builder(Model model, long seed, Precision precision, ConfigProto sessionConfig) {

    <T> ModelGraph.Built<T> build(GraphContext.Mode mode, Function<ModelGraph.Parts, T> addTraining) {
      // the precision is the training steps' only: evaluation and exports stay float32
      ConfigProto session = mode == GraphContext.Mode.TRAINING ? precision.apply(sessionConfig) : sessionConfig;
      return ModelGraph.build(model, mode, seed, session, addTraining);
    }
  }

  /**
   * The training graph's optimizer, the op of one step (optimizer update + batch-norm updates, then the weight
   * average's update), the gradient monitor's ops and the weight average (null: none).
   */
  private record Step(ScheduledOptimizer optimizer, Op op, GradientMonitor monitor, WeightAverage average) {}

  private TrainingGraph(ModelGraph model, Step step, Builder builder) {
    this.model = model;
    this.trainStep = step.op();
    this.optimizer = step.optimizer();
    this.monitor = step.monitor();
    this.average = step.average();
    this.builder = builder;
  }

  /**
   * Builds {@code model}'s training graph with {@code trainer}'s optimizer, label smoothing, weight average, seed,
   * precision and session options, and opens its session.
   */
  public static TrainingGraph build(Model model, Trainer trainer) {
    return build(model, trainer.optimizer(), trainer.labelSmoothing(), trainer.weightAverage(), trainer.seed(),
        trainer.precision(), trainer.sessionConfig());
  }

  /**
   * Builds {@code model}'s training graph with {@code optimizer} and opens its session (variables
   * initialized, the backbone's own weights loaded).
   *
   * @param seed base of every initializer and dropout seed
   * @param sessionConfig TF session options, or null for TF's defaults
   */
  public static TrainingGraph build(Model model, Optimizer optimizer, long seed, Precision precision,
      ConfigProto sessionConfig) {
    return build(model, optimizer, 0, seed, precision, sessionConfig);
  }

  /**
   * As {@link #build(Model, Optimizer, long, Precision, ConfigProto)}, minimizing the cross-entropy to targets
   * smoothed by {@code labelSmoothing} ({@link CrossEntropy#smoothed}; 0: the plain cross-entropy). The loss a
   * step reports stays the plain cross-entropy, comparable across runs.
   */
  public static TrainingGraph build(Model model, Optimizer optimizer, double labelSmoothing, long seed,
      Precision precision, ConfigProto sessionConfig) {
    return build(model, optimizer, labelSmoothing, 0, seed, precision, sessionConfig);
  }

  /**
   * As {@link #build(Model, Optimizer, double, long, Precision, ConfigProto)}, keeping an exponential moving
   * average of the weights and batch-norm statistics with decay {@code averageDecay} ({@link WeightAverage}; 0:
   * none), which evaluation and exports then use.
   */
  public static TrainingGraph build(Model model, Optimizer optimizer, double labelSmoothing, double averageDecay,
      long seed, Precision precision, ConfigProto sessionConfig) {
    Builder builder = new Builder(model, seed, precision, sessionConfig);
    ModelGraph.Built<Step> built = builder.build(GraphContext.Mode.TRAINING, parts -> {
      ScheduledOptimizer created = optimizer.create(parts.graph());
      Operand<TFloat32> minimized = labelSmoothing == 0 ? parts.loss()
          : parts.ctx().tf().withName("smoothed_loss").identity(
              CrossEntropy.smoothed(parts.ctx().tf(), parts.labels(), parts.logits(), labelSmoothing));
      ScheduledOptimizer.Minimized step = created.minimizeWithGradients(minimized,
          parts.ctx().trainableVariables(), parts.ctx().updateOps());
      WeightAverage average = averageDecay == 0 ? null
          : WeightAverage.build(parts.graph(), parts.ctx().modelVariables(), parts.ctx().step(), step.step(),
              averageDecay);
      // built with the rest, before the session opens; only a monitored step fetches (and so runs) them
      return new Step(created, average == null ? step.step() : average.update(),
          GradientMonitor.build(parts.ctx(), parts.ctx().trainableVariables(), step.gradients()), average);
    });
    return new TrainingGraph(built.model(), built.training(), builder);
  }

  /** Loss and correct count of one batch. */
  public record StepResult(double loss, int correct) {}

  /** Runs one training step on a batch at global step {@code step}. */
  public StepResult trainStep(TFloat32 batchImages, TInt32 batchLabels, long step) {
    inferenceStale = true;
    try (TInt64 stepTensor = TInt64.scalarOf(step);
        Result r = stepRunner(batchImages, batchLabels, stepTensor)
            .fetch(model.loss())
            .fetch(model.correct())
            .run()) {
      return new StepResult(((TFloat32) r.get(0)).getFloat(), ((TInt32) r.get(1)).getInt());
    }
  }

  /**
   * Names of the weights a {@link #trainStepMonitored monitored step} measures: every trainable variable of
   * rank >= 2 (convolution and dense kernels) in creation order, so the backbone's first layer comes first
   * and the head's output layer last; e.g. {@code vgg5/block1_conv1/kernel}, ...,
   * {@code progressive_spinal_head/output/kernel}.
   */
  public List<String> monitoredWeights() {
    return monitor.names();
  }

  /**
   * Indices into {@link #monitoredWeights()} of the head's dense layers, input layer first and output
   * layer last (as {@link dev.spinal.core.heads.BuiltHead#layers()}).
   */
  public List<Integer> headLayerIndices() {
    List<String> names = monitor.names();
    List<Integer> out = new ArrayList<>();
    for (var layer : model.classifier().head().layers()) {
      int i = names.indexOf(layer.kernel().op().name());
      if (i >= 0) {
        out.add(i);
      }
    }
    return out;
  }

  /** A training step's loss and correct count with the weight-gradient norms it measured. */
  public record MonitoredStep(StepResult result, GradientSnapshot gradients) implements AutoCloseable {
    @Override
    public void close() {
      gradients.close();
    }
  }

  /**
   * Runs one training step like {@link #trainStep} and measures, in the same run (no extra forward or
   * backward pass), the Frobenius norm of the loss gradient of every {@link #monitoredWeights() monitored
   * weight}. With {@code tensors} it also fetches those gradients and, in a run before the step, the weights
   * themselves (for histograms): they are copied out of TensorFlow, so use it every few hundred steps.
   * Close the result (it owns the fetched tensors).
   *
   * @param step the global step (steps done before this one): the gradients are those of the weights
   *     after {@code step} updates, on this batch
   */
  public MonitoredStep trainStepMonitored(TFloat32 batchImages, TInt32 batchLabels, long step, boolean tensors) {
    inferenceStale = true;
    Result weights = tensors ? monitor.fetchWeights(model.session()) : null;
    try (TInt64 stepTensor = TInt64.scalarOf(step)) {
      Session.Runner runner = stepRunner(batchImages, batchLabels, stepTensor)
          .fetch(model.loss())
          .fetch(model.correct());
      monitor.addFetches(runner, tensors);
      Result r = runner.run();
      // the snapshot owns both results from here on
      GradientSnapshot snapshot = monitor.snapshot(step, headLayerIndices(), r, 2, weights);
      weights = null;
      try {
        return new MonitoredStep(new StepResult(((TFloat32) r.get(0)).getFloat(), ((TInt32) r.get(1)).getInt()),
            snapshot);
      } catch (RuntimeException e) {
        snapshot.close();
        throw e;
      }
    } catch (RuntimeException e) {
      if (weights != null) {
        weights.close();
      }
      throw e;
    }
  }

  /**
   * Runs one training step like {@link #trainStep} with TensorFlow's full trace on, and returns the
   * trace: per-kernel start and run times in {@code step_stats} (what a profile of the step sums up).
   * Slower than an untraced step; for profiling, not for training.
   */
  public RunMetadata traceStep(TFloat32 batchImages, TInt32 batchLabels, long step) {
    inferenceStale = true;
    RunOptions trace = RunOptions.newBuilder().setTraceLevel(RunOptions.TraceLevel.FULL_TRACE).build();
    try (TInt64 stepTensor = TInt64.scalarOf(step);
        Result r = stepRunner(batchImages, batchLabels, stepTensor)
            .setOptions(trace)
            .runAndFetchMetadata()) {
      return r.getMetadata().orElseThrow(
          () -> new IllegalStateException("TensorFlow returned no run metadata for a traced step"));
    }
  }

  /** A runner of one training step on a batch, at global step {@code step}. */
  private Session.Runner stepRunner(TFloat32 batchImages, TInt32 batchLabels, TInt64 step) {
    return model.session().runner()
        .feed(model.images(), batchImages)
        .feed(model.labels(), batchLabels)
        .feed(model.ctx().step(), step)
        .addTarget(trainStep);
  }

  /** Loss and correct count of one batch in inference mode. */
  public StepResult evaluate(TFloat32 batchImages, TInt32 batchLabels) {
    ModelGraph m = inference();
    try (Result r = m.session().runner()
        .feed(m.images(), batchImages)
        .feed(m.labels(), batchLabels)
        .fetch(m.loss())
        .fetch(m.correct())
        .run()) {
      return new StepResult(((TFloat32) r.get(0)).getFloat(), ((TInt32) r.get(1)).getInt());
    }
  }

  /** Class probabilities {@code [n, classes]} (row-major) of a batch {@code [n, H, W, C]} in inference mode. */
  public float[] probabilities(TFloat32 batchImages) {
    ModelGraph m = inference();
    try (Result r = m.session().runner().feed(m.images(), batchImages).fetch(m.classifier().probabilities()).run()) {
      float[] out = new float[(int) r.get(0).shape().size()];
      r.get(0).asRawTensor().data().asFloats().read(out);
      return out;
    }
  }

  /** Predicted classes of a batch in inference mode. */
  public long[] predict(TFloat32 batchImages) {
    ModelGraph m = inference();
    try (Result r = m.session().runner().feed(m.images(), batchImages).fetch(m.classifier().classes()).run()) {
      TInt64 classes = (TInt64) r.get(0);
      long[] out = new long[(int) classes.shape().size()];
      classes.asRawTensor().data().asLongs().read(out);
      return out;
    }
  }

  /**
   * The inference graph with the training session's current weights and batch-norm statistics (their averages,
   * with a {@link #weightAverage() weight average}): what an export writes. Built on first call; copied into again
   * only when the weights may have changed.
   */
  public ModelGraph inference() {
    if (inference == null) {
      inference = builder.build(GraphContext.Mode.INFERENCE, parts -> null).model();
      toInference = modelCopy(inference.graph());
    }
    if (inferenceStale) {
      toInference.copy(model.session(), inference.session());
      inference.refreshDerived();
      inferenceStale = false;
    }
    return inference;
  }

  /**
   * Copies the model as evaluation sees it (the current weights and statistics, or their averages) into the
   * same-named variables of another graph's session: e.g. a head trained on cached features into a backbone + head
   * graph.
   *
   * @throws IllegalStateException naming a variable {@code target} lacks or holds in another shape
   */
  public void copyModelInto(Graph target, Session targetSession) {
    modelCopy(target).copy(model.session(), targetSession);
  }

  /** Assign ops in {@code target} for what evaluation reads: the averages when there are, else the variables. */
  private VariableCopy modelCopy(Graph target) {
    if (average == null) {
      return VariableCopy.prepare(model.ctx(), target);
    }
    return VariableCopy.prepare(average.averages(), average.variables().stream().map(v -> v.op().name()).toList(),
        target);
  }

  /** The exponential moving average of the weights evaluation and exports use; empty when there is none. */
  public Optional<WeightAverage> weightAverage() {
    return Optional.ofNullable(average);
  }

  /** All trainable weights as one flat vector, for equivalence checks. */
  public double[] trainableWeights() {
    Session.Runner runner = model.session().runner();
    model.ctx().trainableVariables().forEach(runner::fetch);
    try (Result r = runner.run()) {
      int total = 0;
      for (int i = 0; i < r.size(); i++) {
        total += (int) r.get(i).shape().size();
      }
      double[] out = new double[total];
      int at = 0;
      for (int i = 0; i < r.size(); i++) {
        float[] values = new float[(int) r.get(i).shape().size()];
        ((TFloat32) r.get(i)).asRawTensor().data().asFloats().read(values);
        for (float v : values) {
          out[at++] = v;
        }
      }
      return out;
    }
  }

  public static TFloat32 imagesTensor(float[] pixels, int n, Shape hwc) {
    return TFloat32.tensorOf(Shape.of(n, hwc.get(0), hwc.get(1), hwc.get(2)), DataBuffers.of(pixels, true, false));
  }

  /** The training graph. */
  public Graph graph() {
    return model.graph();
  }

  /**
   * The training session (weights, optimizer slots, learning rate: what checkpoints hold). Whatever
   * is done through it (a restore, say) is seen by the next evaluation or export.
   */
  public Session session() {
    inferenceStale = true;
    return model.session();
  }

  /** The training graph's context (its variables and update ops). */
  public GraphContext context() {
    return model.ctx();
  }

  public ScheduledOptimizer optimizer() {
    return optimizer;
  }

  public List<Variable<?>> trainableVariables() {
    return model.ctx().trainableVariables();
  }

  /**
   * The backbone's variables in the training graph (trainable ones, then its batch-norm statistics), which
   * it creates before the head's: so, for a seed, they start the same whatever the head. Empty when the
   * graph is a head on cached features.
   */
  public List<Variable<?>> backboneVariables() {
    return model.classifier().backboneVariables();
  }

  @Override
  public void close() {
    try {
      if (inference != null) {
        inference.close();
      }
    } finally {
      model.close();
    }
  }
}
