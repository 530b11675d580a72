package dev.spinal.core;

import static com.google.common.base.Preconditions.checkArgument;

import com.google.common.collect.ImmutableList;
import dev.spinal.core.gradients.MissingGradients;
import dev.spinal.core.runtime.OneDnn;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.tensorflow.Graph;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.PlaceholderWithDefault;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TInt64;

/**
 * Where layers put what they create: the {@link Ops} to build with, the graph's one {@code training}
 * switch, the trainable variables, the non-trainable state (batch-norm moving statistics) and the
 * ops that update that state in a training step.
 *
 * <p>A context has a {@link Mode}. In {@link Mode#SWITCHED} one graph holds both modes:
 * {@link #training()} is a scalar {@code PlaceholderWithDefault} named {@value #TRAINING_INPUT} whose
 * default is {@code false}, so an exported {@code serving_default} signature runs inference (dropout
 * off, batch norm on moving statistics) without an extra input, and a trainer feeds {@code true}. The
 * price is that layers build both behaviours and select one per step, so every step computes (and
 * differentiates) both. {@link Mode#TRAINING} and {@link Mode#INFERENCE} build one behaviour only:
 * what a trainer's step graph and an exported model use. A second input, {@link #step()}, seeds
 * per-step randomness.
 *
 * <p>A context made by {@link #withSubScope(String)} shares the variable lists and the seed sequence
 * with its parent, so names nest ({@code head/layer2/kernel}) while everything is collected in one place.
 */
public final class GraphContext {

  /** Name of the boolean {@code training} input of every graph built through a context. */
  public static final String TRAINING_INPUT = "training";

  /** Name of the int64 {@code step} input that seeds per-step randomness (dropout masks). */
  public static final String STEP_INPUT = "step";

  /** Which behaviour the layers of a context build. */
  public enum Mode {
    /** Both behaviours, picked per step by the {@code training} input (default inference). */
    SWITCHED,
    /** Training behaviour only (batch statistics, dropout on); {@code training} defaults to true. */
    TRAINING,
    /**
     * Inference behaviour only (moving statistics, no dropout, no state updates). Batch norms that
     * follow a convolution are folded into a copy of its kernel and bias ({@code folded_kernel},
     * {@code folded_bias}): after the model's variables change (a restore, a copy from a training
     * graph) run {@link #derivedUpdates()} to recompute them.
     */
    INFERENCE;

    /** True if the mode's {@code training} input defaults to true. */
    boolean trainingByDefault() {
      return this == TRAINING;
    }
  }

  private final Ops tf;
  private final Mode mode;
  private final PlaceholderWithDefault<TBool> training;
  private final PlaceholderWithDefault<TInt64> step;
  private final State state;

  private static final class State {
    final long baseSeed;
    final AtomicLong seedCounter = new AtomicLong();
    final List<Variable<?>> trainable = new ArrayList<>();
    final List<Variable<?>> nonTrainable = new ArrayList<>();
    final List<Op> updates = new ArrayList<>();
    final List<Op> derivedUpdates = new ArrayList<>();
    final List<Op> loaderInits = new ArrayList<>();

    State(long baseSeed) {
      this.baseSeed = baseSeed;
    }
  }

  private GraphContext(
      Ops tf,
      Mode mode,
      PlaceholderWithDefault<TBool> training,
      PlaceholderWithDefault<TInt64> step,
      State state) {
    this.tf = tf;
    this.mode = mode;
    this.training = training;
    this.step = step;
    this.state = state;
  }

  /**
   * A context whose layers build the training behaviour only (batch statistics, dropout on): what
   * a trainer's step graph uses. See {@link #create(Graph, long, Mode)}.
   */
  public static GraphContext training(Graph graph, long seed) {
    return create(graph, seed, Mode.TRAINING);
  }

  /**
   * A context whose layers build the inference behaviour only (moving statistics, no dropout): what
   * an exported model uses. See {@link #create(Graph, long, Mode)}.
   */
  public static GraphContext inference(Graph graph, long seed) {
    return create(graph, seed, Mode.INFERENCE);
  }

  /**
   * A context whose layers build both behaviours, selected per run by the {@code training} input
   * (default: inference). Simplest for experiments and gradient checks of both modes; slower to train
   * than a {@link #training} graph. See {@link #create(Graph, long, Mode)}.
   */
  public static GraphContext switched(Graph graph, long seed) {
    return create(graph, seed, Mode.SWITCHED);
  }

  /**
   * Creates the context of a new model in {@code graph} whose layers build {@code mode}'s behaviour:
   * adds the {@code training} and {@code step} inputs and registers the gradients TF Java lacks (see
   * {@link MissingGradients}).
   * The same seed and build order give the same variable names and initial values in every mode, so
   * variables can be copied by name between a {@link Mode#TRAINING} and a {@link Mode#INFERENCE} graph.
   *
   * @param seed base of every initializer and dropout seed in the model; the same seed and the same
   *     build order give the same graph
   */
  public static GraphContext create(Graph graph, long seed, Mode mode) {
    MissingGradients.register();
    OneDnn.logOnce();
    Ops tf = Ops.create(graph);
    PlaceholderWithDefault<TBool> training =
        tf.withName(TRAINING_INPUT)
            .placeholderWithDefault(tf.constant(mode.trainingByDefault()), Shape.scalar());
    PlaceholderWithDefault<TInt64> step =
        tf.withName(STEP_INPUT).placeholderWithDefault(tf.constant(0L), Shape.scalar());
    return new GraphContext(tf, mode, training, step, new State(seed));
  }

  /** A context whose ops are named under {@code name/}, sharing this context's collections. */
  public GraphContext withSubScope(String name) {
    checkArgument(!name.isBlank(), "sub-scope name must not be blank");
    return new GraphContext(tf.withSubScope(name), mode, training, step, state);
  }

  /** Which behaviour this context's layers build. */
  public Mode mode() {
    return mode;
  }

  /** The ops builder, scoped to this context's name. */
  public Ops tf() {
    return tf;
  }

  /**
   * Scalar boolean: {@code true} in a training step, {@code false} (the default) otherwise. Only a
   * {@link Mode#SWITCHED} graph reads it; in the fixed modes it is kept (defaulting to the mode) so
   * that feeds and signatures naming it still work.
   */
  public PlaceholderWithDefault<TBool> training() {
    return training;
  }

  /**
   * Scalar int64, default 0: the training step. Random ops (dropout) are stateless functions of their
   * seed and this step, so a step's masks are the same whenever it is run: resumed training matches
   * an uninterrupted run, and gradient checks see a fixed mask. A trainer feeds the global step.
   */
  public PlaceholderWithDefault<TInt64> step() {
    return step;
  }

  /**
   * The next seed of the model's deterministic seed sequence. Each call returns a different value,
   * derived from the base seed by a fixed mixing function, so op seeds do not collide.
   */
  public long nextSeed() {
    long n = state.seedCounter.incrementAndGet();
    // SplitMix64 finaliser: neighbouring counters give unrelated seeds.
    long z = state.baseSeed + n * 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return (z ^ (z >>> 31)) & Long.MAX_VALUE;
  }

  /** Records a variable the optimizer trains. */
  public <V extends Variable<?>> V addTrainable(V variable) {
    state.trainable.add(variable);
    return variable;
  }

  /** Records a variable that holds state but is not trained (e.g. a moving mean). */
  public <V extends Variable<?>> V addNonTrainable(V variable) {
    state.nonTrainable.add(variable);
    return variable;
  }

  /** Records an op a training step must run besides the optimizer (e.g. a moving-average update). */
  public void addUpdate(Op update) {
    state.updates.add(update);
  }

  /**
   * Records an op that recomputes a derived variable (a folded batch norm's kernel) from the model's
   * variables; see {@link Mode#INFERENCE}.
   */
  public void addDerivedUpdate(Op update) {
    state.derivedUpdates.add(update);
  }

  /**
   * Ops to run after the model's variables were set (restored or copied in), so that derived
   * variables match them. Empty except in {@link Mode#INFERENCE} graphs with convolutions.
   */
  public List<Op> derivedUpdates() {
    return ImmutableList.copyOf(state.derivedUpdates);
  }

  /**
   * Records an op that a SavedModel loader must run after restoring an export's variables (it becomes
   * the export's {@code __saved_model_init_op}): e.g. what assigns an imported backbone's resource
   * variables, which TF Java's saver does not save.
   */
  public void addLoaderInit(Op init) {
    state.loaderInits.add(init);
  }

  /** The ops of {@link #addLoaderInit}, in the order they were added. */
  public List<Op> loaderInits() {
    return ImmutableList.copyOf(state.loaderInits);
  }

  /** Trainable variables in creation order. */
  public List<Variable<?>> trainableVariables() {
    return ImmutableList.copyOf(state.trainable);
  }

  /** Non-trainable state variables in creation order. */
  public List<Variable<?>> nonTrainableVariables() {
    return ImmutableList.copyOf(state.nonTrainable);
  }

  /**
   * The model's variables: the trainable ones, then the state (batch-norm statistics), each in creation order. What
   * an inference twin of the graph holds and a copy between the two moves.
   */
  public List<Variable<?>> modelVariables() {
    return ImmutableList.<Variable<?>>builder().addAll(state.trainable).addAll(state.nonTrainable).build();
  }

  /** Ops a training step must run besides the optimizer. */
  public List<Op> updateOps() {
    return ImmutableList.copyOf(state.updates);
  }
}
