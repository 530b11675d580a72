package dev.spinal.core;

import static com.google.common.base.Preconditions.checkArgument;

import com.google.common.collect.ImmutableList;
import dev.spinal.core.losses.MissingGradients;
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
 * <p>One graph holds both modes. {@link #training()} is a scalar {@code PlaceholderWithDefault}
 * named {@value #TRAINING_INPUT} whose default is {@code false}, so an exported {@code serving_default}
 * signature runs inference (dropout off, batch norm on moving statistics) without an extra input;
 * a trainer feeds {@code true}. A second input, {@link #step()}, seeds per-step randomness.
 *
 * <p>A context made by {@link #withSubScope(String)} shares the variable lists and the seed sequence
 * with its parent, so names nest ({@code head/layer2/kernel}) while everything is collected in one place.
 */
public final class GraphContext {

  /** Name of the boolean {@code training} input of every graph built through a context. */
  public static final String TRAINING_INPUT = "training";

  /** Name of the int64 {@code step} input that seeds per-step randomness (dropout masks). */
  public static final String STEP_INPUT = "step";

  private final Ops tf;
  private final PlaceholderWithDefault<TBool> training;
  private final PlaceholderWithDefault<TInt64> step;
  private final State state;

  private static final class State {
    final long baseSeed;
    final AtomicLong seedCounter = new AtomicLong();
    final List<Variable<?>> trainable = new ArrayList<>();
    final List<Variable<?>> nonTrainable = new ArrayList<>();
    final List<Op> updates = new ArrayList<>();

    State(long baseSeed) {
      this.baseSeed = baseSeed;
    }
  }

  private GraphContext(
      Ops tf,
      PlaceholderWithDefault<TBool> training,
      PlaceholderWithDefault<TInt64> step,
      State state) {
    this.tf = tf;
    this.training = training;
    this.step = step;
    this.state = state;
  }

  /**
   * Creates the context of a new model in {@code graph}: adds the {@code training} input and
   * registers the gradients TF Java lacks (see {@link MissingGradients}).
   *
   * @param seed base of every initializer and dropout seed in the model; the same seed and the same
   *     build order give the same graph
   */
  public static GraphContext create(Graph graph, long seed) {
    MissingGradients.register();
    Ops tf = Ops.create(graph);
    PlaceholderWithDefault<TBool> training =
        tf.withName(TRAINING_INPUT).placeholderWithDefault(tf.constant(false), Shape.scalar());
    PlaceholderWithDefault<TInt64> step =
        tf.withName(STEP_INPUT).placeholderWithDefault(tf.constant(0L), Shape.scalar());
    return new GraphContext(tf, training, step, new State(seed));
  }

  /** A context whose ops are named under {@code name/}, sharing this context's collections. */
  public GraphContext withSubScope(String name) {
    checkArgument(!name.isBlank(), "sub-scope name must not be blank");
    return new GraphContext(tf.withSubScope(name), training, step, state);
  }

  /** The ops builder, scoped to this context's name. */
  public Ops tf() {
    return tf;
  }

  /** Scalar boolean: {@code true} in a training step, {@code false} (the default) otherwise. */
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

  /** Trainable variables in creation order. */
  public List<Variable<?>> trainableVariables() {
    return ImmutableList.copyOf(state.trainable);
  }

  /** Non-trainable state variables in creation order. */
  public List<Variable<?>> nonTrainableVariables() {
    return ImmutableList.copyOf(state.nonTrainable);
  }

  /** Ops a training step must run besides the optimizer. */
  public List<Op> updateOps() {
    return ImmutableList.copyOf(state.updates);
  }
}
