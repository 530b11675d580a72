package dev.spinal.train.optim;

import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.Output;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.train.ApplyMomentum;
import org.tensorflow.types.family.TType;

/**
 * SGD with momentum, PyTorch's {@code optim.SGD(momentum=m)}: {@code buf = m*buf + g; w -= lr*buf}
 * (TF's {@code ApplyMomentum} kernel computes exactly this), with a schedulable learning rate.
 */
public final class Momentum extends ScheduledOptimizer {

  private final float momentum;

  public Momentum(Graph graph, float learningRate, float momentum) {
    super(graph, "momentum", learningRate);
    this.momentum = momentum;
  }

  @Override
  protected void createSlots(List<Output<? extends TType>> variables) {
    variables.forEach(v -> slot(v, "momentum"));
  }

  @Override
  protected <T extends TType> Op applyDense(Ops deps, Output<T> gradient, Output<T> variable) {
    return deps.train.applyMomentum(
        variable,
        slot(variable, "momentum"),
        lr(deps, gradient.type()),
        gradient,
        deps.dtypes.cast(deps.constant(momentum), gradient.type()),
        ApplyMomentum.useLocking(true));
  }

  @Override
  public String getOptimizerName() {
    return "momentum";
  }
}
