package dev.spinal.train.optim;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * Exponential moving averages of a model's variables, updated after every training step (Polyak averaging;
 * TensorFlow's {@code tf.train.ExponentialMovingAverage} with {@code num_updates}, Keras' {@code use_ema}, timm's
 * {@code ModelEma}). After the step with global step {@code t} (the number of steps before it), every average
 * {@code a} of a variable {@code v} becomes
 *
 * <pre>
 * a = d * a + (1 - d) * v,   d = min(decay, (1 + t) / (10 + t)),   and a = v after the first step (t = 0)
 * </pre>
 *
 * so the average starts from the trained weights rather than from zeros, and early averages do not hold on to the
 * first steps' weights for long: {@code d} reaches 0.99 after 890 steps, 0.999 after 8,990. The averaged
 * variables are the trainable weights and the batch-norm moving statistics alike (as timm does), so the
 * statistics an averaged model normalizes with come from about the same steps as its weights.
 *
 * <p>The averages are graph variables next to the model's ({@code <variable>/average}): a checkpoint holds them,
 * so a resumed run continues its averages.
 */
public final class WeightAverage {

  private final List<Variable<?>> variables;
  private final List<Variable<TFloat32>> averages;
  private final Op update;

  private WeightAverage(List<Variable<?>> variables, List<Variable<TFloat32>> averages, Op update) {
    this.variables = variables;
    this.averages = averages;
    this.update = update;
  }

  /**
   * Adds an average of each of {@code variables} (float32) to {@code graph} and one op that updates them all after
   * {@code trainStep} has run.
   *
   * @param step the global step fed to each training step (steps done before it)
   * @param decay the largest {@code d}, in (0, 1): 0.999 averages over about the last 1,000 steps
   * @throws IllegalArgumentException for a decay outside (0, 1) or a variable that is not float32
   */
  public static WeightAverage build(Graph graph, List<Variable<?>> variables, Operand<TInt64> step, Op trainStep,
      double decay) {
    checkArgument(decay > 0 && decay < 1, "the weight average's decay must be in (0, 1), got %s", decay);
    checkArgument(!variables.isEmpty(), "no variables to average");
    Ops tf = Ops.create(graph);
    Ops init = tf.withInitScope();
    Ops after = tf.withSubScope("weight_average").withControlDependencies(List.of(trainStep));
    Operand<TFloat32> t = after.dtypes.cast(step, TFloat32.class);
    Operand<TFloat32> warm = after.math.div(after.math.add(t, after.constant(1f)), after.math.add(t, after.constant(10f)));
    Operand<TFloat32> d = after.math.mul(after.math.minimum(after.constant((float) decay), warm),
        after.dtypes.cast(after.math.greater(step, after.constant(0L)), TFloat32.class));
    Operand<TFloat32> weightOfNew = after.math.sub(after.constant(1f), d);
    List<Variable<TFloat32>> averages = new ArrayList<>();
    List<Op> updates = new ArrayList<>();
    for (Variable<?> v : variables) {
      checkArgument(v.type() == TFloat32.class, "the weight average holds float32 variables; %s is %s",
          v.op().name(), v.type().getSimpleName());
      @SuppressWarnings("unchecked")
      Variable<TFloat32> value = (Variable<TFloat32>) v;
      Variable<TFloat32> average = averageOf(graph, init, value);
      averages.add(average);
      // a -= (1 - d) * (a - v): one in-place update per variable, read after the step has written v
      updates.add(after.assignSub(average, after.math.mul(weightOfNew, after.math.sub(average, value))));
    }
    Op update = tf.withName("weight_average_update").withControlDependencies(updates).noOp();
    return new WeightAverage(List.copyOf(variables), List.copyOf(averages), update);
  }

  /**
   * A zero-initialized float32 variable named {@code <variable>/average}; the first update overwrites it. Named
   * through the op builder, not a sub-scope per variable (TF Java's {@code withSubScope} walks the whole graph).
   */
  private static Variable<TFloat32> averageOf(Graph graph, Ops init, Variable<TFloat32> variable) {
    Operand<TFloat32> zeros = init.fill(init.constant(variable.shape().asArray()), init.constant(0f));
    Variable<TFloat32> average = new Variable<>(graph.opBuilder(Variable.OP_NAME, variable.op().name() + "/average",
            init.scope())
        .setAttr("shape", variable.shape())
        .setAttr("dtype", zeros.asOutput().dataType())
        .build());
    init.assign(average, zeros);
    return average;
  }

  /** The averaged variables, in the order given. */
  public List<Variable<?>> variables() {
    return variables;
  }

  /** The average of each of {@link #variables()}, in the same order. */
  public List<Variable<TFloat32>> averages() {
    return averages;
  }

  /** The op that updates every average; runs after the training step it was built with. */
  public Op update() {
    return update;
  }
}
