package dev.spinal.train.optim;

import java.util.List;
import java.util.Optional;
import org.tensorflow.Graph;
import org.tensorflow.Output;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.train.ApplyAdam;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.family.TType;

/**
 * Adam (TF's {@code ApplyAdam} kernel) with a schedulable learning rate. It differs from PyTorch's
 * {@code optim.Adam} only in where epsilon enters ({@code sqrt(v_hat)+eps} vs
 * {@code sqrt(v)+eps_hat}), which matters only for gradients near epsilon.
 */
public final class Adam extends ScheduledOptimizer {

  private final float beta1;
  private final float beta2;
  private final float epsilon;
  private Variable<TFloat32> beta1Power;
  private Variable<TFloat32> beta2Power;

  public Adam(Graph graph, float learningRate) {
    this(graph, learningRate, 0.9f, 0.999f, 1e-8f);
  }

  public Adam(Graph graph, float learningRate, float beta1, float beta2, float epsilon) {
    super(graph, "adam", learningRate);
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.epsilon = epsilon;
  }

  @Override
  protected void createSlots(List<Output<? extends TType>> variables) {
    for (Output<? extends TType> v : variables) {
      slot(v, "m");
      slot(v, "v");
    }
    Ops scoped = tf.withSubScope("adam");
    beta1Power = scoped.withName("beta1_power").variable(tf.withInitScope().constant(beta1));
    beta2Power = scoped.withName("beta2_power").variable(tf.withInitScope().constant(beta2));
  }

  @Override
  protected Optional<Op> prepare(String scopeName) {
    return Optional.empty();
  }

  @Override
  protected <T extends TType> Op applyDense(Ops deps, Output<T> gradient, Output<T> variable) {
    Class<T> type = gradient.type();
    return deps.train.applyAdam(
        variable,
        slot(variable, "m"),
        slot(variable, "v"),
        deps.dtypes.cast(beta1Power, type),
        deps.dtypes.cast(beta2Power, type),
        lr(deps, type),
        deps.dtypes.cast(deps.constant(beta1), type),
        deps.dtypes.cast(deps.constant(beta2), type),
        deps.dtypes.cast(deps.constant(epsilon), type),
        gradient,
        ApplyAdam.useLocking(true));
  }

  /** After every variable's update, advance beta1^t and beta2^t. */
  @Override
  protected Op finish(List<Op> updateOperations, String name) {
    Ops after = tf.withControlDependencies(updateOperations);
    Op b1 = after.assign(beta1Power, after.math.mul(beta1Power, after.constant(beta1)));
    Op b2 = after.assign(beta2Power, after.math.mul(beta2Power, after.constant(beta2)));
    return super.finish(List.of(b1, b2), name);
  }

  @Override
  public String getOptimizerName() {
    return "adam";
  }
}
