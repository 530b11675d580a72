package dev.spinal.train.optim;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Session;
import org.tensorflow.framework.optimizers.Optimizer;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Assign;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.family.TType;

/**
 * A TF Java framework {@link Optimizer} whose learning rate is a graph variable, so schedules can
 * change it between steps and checkpoints keep it, and whose slots live in a name scope.
 *
 * <p>Why not the framework's {@code Momentum}/{@code Adam} as they are: in framework 1.0.0 both bake
 * the learning rate into the graph as a constant, and both name slot variables
 * {@code <variable>-<slot>} through {@code Ops.withName}, which TF Java rejects for any variable in a
 * name scope ({@code head/layer1/kernel-m} is an invalid op name). This class keeps the framework's
 * {@code applyGradients} flow and TF's fused update kernels ({@code ApplyMomentum}, {@code ApplyAdam})
 * and changes only those two things.
 *
 * <p>Use {@link #minimize(Operand, List, List)} with the trainable variables and the extra update
 * ops (batch-norm moving averages) rather than the framework's {@code minimize}, which trains every
 * {@code VariableV2} in the graph, moving statistics included.
 */
public abstract class ScheduledOptimizer extends Optimizer {

  private final Variable<TFloat32> learningRate;
  private final Placeholder<TFloat32> newLearningRate;
  private final Assign<TFloat32> setLearningRate;
  private final Map<String, Variable<?>> slots = new HashMap<>();
  private float weightDecay;

  protected ScheduledOptimizer(Graph graph, String name, float initialLearningRate) {
    super(graph, name);
    checkArgument(initialLearningRate > 0, "learning rate must be > 0, got %s", initialLearningRate);
    Ops scoped = tf.withSubScope(name);
    this.learningRate =
        scoped.withName("learning_rate").variable(tf.withInitScope().constant(initialLearningRate));
    this.newLearningRate =
        scoped.withName("new_learning_rate").placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
    this.setLearningRate = scoped.withName("set_learning_rate").assign(learningRate, newLearningRate);
  }

  /** The learning-rate variable (a float32 scalar), read by every update. */
  public Variable<TFloat32> learningRate() {
    return learningRate;
  }

  /** Sets the learning rate for the following steps. */
  public void setLearningRate(Session session, double lr) {
    checkArgument(lr > 0 && Double.isFinite(lr), "learning rate must be finite and > 0, got %s", lr);
    try (TFloat32 value = TFloat32.scalarOf((float) lr)) {
      session.runner().feed(newLearningRate, value).addTarget(setLearningRate).run();
    }
  }

  /**
   * Decoupled weight decay (Loshchilov and Hutter's AdamW / SGDW, PyTorch's {@code AdamW(weight_decay=wd)}):
   * after each update, every kernel (variables of rank 2 or more: conv and dense weights, not biases or
   * batch-norm parameters) is multiplied by {@code 1 - lr * wd}. PyTorch scales before the update; after it the
   * result differs by {@code O(lr^2 * wd)}, and the update reads the weights the gradients were computed at.
   * Call before {@link #minimize}; 0 (the default) adds nothing.
   */
  public ScheduledOptimizer weightDecay(double wd) {
    checkArgument(wd >= 0 && wd < 1 && Double.isFinite(wd), "weight decay must be in [0, 1), got %s", wd);
    this.weightDecay = (float) wd;
    return this;
  }

  /** The decoupled weight decay (0: none). */
  public double weightDecay() {
    return weightDecay;
  }

  /**
   * One training step's op: gradients of {@code loss} for {@code variables}, their updates, and
   * {@code extraUpdates} (run in the same step, after the forward pass).
   */
  public Op minimize(Operand<?> loss, List<Variable<?>> variables, List<Op> extraUpdates) {
    return minimizeWithGradients(loss, variables, extraUpdates).step();
  }

  /**
   * One training step's op and the gradients it applies.
   *
   * @param step what {@link #minimize} returns
   * @param gradients {@code dLoss/dVariable} for each variable, in the order given (each of the
   *     variable's shape): fetching them with the step costs no extra backward pass
   */
  public record Minimized(Op step, List<Output<?>> gradients) {
    public Minimized {
      gradients = List.copyOf(gradients);
    }
  }

  /** {@link #minimize}, with the gradient outputs the step applies (for monitoring). */
  public Minimized minimizeWithGradients(Operand<?> loss, List<Variable<?>> variables, List<Op> extraUpdates) {
    checkArgument(!variables.isEmpty(), "no variables to train");
    Output<?>[] xs = variables.stream().map(Variable::asOutput).toArray(Output<?>[]::new);
    Output<?>[] grads = graph.addGradients(loss.asOutput(), xs);
    List<GradAndVar<? extends TType>> pairs = new ArrayList<>();
    for (int i = 0; i < xs.length; i++) {
      pairs.add(pair(grads[i], xs[i]));
    }
    Op apply = applyGradients(pairs, getOptimizerName() + "_step");
    List<Op> all = new ArrayList<>(extraUpdates);
    all.add(apply);
    if (weightDecay > 0) {
      Ops afterUpdate = tf.withSubScope(getOptimizerName() + "_weight_decay").withControlDependencies(List.of(apply));
      Operand<TFloat32> keep = afterUpdate.math.sub(afterUpdate.constant(1f),
          afterUpdate.math.mul(learningRate, afterUpdate.constant(weightDecay)));
      for (Variable<?> v : variables) {
        if (v.shape().numDimensions() >= 2) {
          all.add(decay(afterUpdate, v.asOutput(), keep));
        }
      }
    }
    Op step = tf.withName(getOptimizerName() + "_train_step").withControlDependencies(all).noOp();
    return new Minimized(step, List.of(grads));
  }

  private static <T extends TType> Op decay(Ops tf, Output<T> variable, Operand<TFloat32> keep) {
    return tf.assign(variable, tf.math.mul(variable, tf.dtypes.cast(keep, variable.type())));
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static GradAndVar<? extends TType> pair(Output<?> grad, Output<?> var) {
    return new GradAndVar(grad, var);
  }

  /**
   * A zero-initialized slot variable for {@code variable}, named {@code <variable>/<slot>}.
   *
   * <p>No sub-scope is opened per slot: TF Java's {@code withSubScope} walks every op of the graph to
   * learn the names in use, which made an Adam over a fine-tuned MobileNetV2's 156 variables (312 slots
   * in a graph of thousands of ops) take minutes to build. The name goes to the op builder whole.
   */
  protected <T extends TType> Variable<T> slot(Output<T> variable, String slotName) {
    String key = variable.op().name() + "/" + slotName;
    @SuppressWarnings("unchecked")
    Variable<T> existing = (Variable<T>) slots.get(key);
    if (existing != null) {
      return existing;
    }
    Ops init = tf.withInitScope();
    // fill, not tf.zeros, which opens a "Zeros" sub-scope per call (see above)
    Operand<T> zeros = init.fill(init.constant(variable.shape().asArray()),
        init.dtypes.cast(init.constant(0f), variable.type()));
    Variable<T> slot = new Variable<>(graph.opBuilder(Variable.OP_NAME, key, init.scope())
        .setAttr("shape", variable.shape())
        .setAttr("dtype", zeros.asOutput().dataType()) // the variable's own is its ref type
        .build());
    init.assign(slot, zeros);
    slots.put(key, slot);
    return slot;
  }

  /** The learning rate cast to the variables' type. */
  protected <T extends TType> Operand<T> lr(Ops deps, Class<T> type) {
    return deps.dtypes.cast(learningRate, type);
  }
}
