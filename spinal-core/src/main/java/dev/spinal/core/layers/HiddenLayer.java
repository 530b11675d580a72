package dev.spinal.core.layers;

import dev.spinal.core.GraphContext;
import java.util.Optional;
import org.tensorflow.Operand;
import org.tensorflow.types.family.TFloating;

/**
 * One hidden layer of a classifier head: {@code act(BN?(x W + b))}, the paper's
 * {@code Linear -> ReLU} or {@code Linear -> BatchNorm1d -> ReLU}. Input {@code [batch, in]}, output
 * {@code [batch, units]}.
 */
public final class HiddenLayer<T extends TFloating> {

  private final GraphContext ctx;
  private final Dense<T> dense;
  private final Optional<BatchNorm<T>> batchNorm;
  private final Activation activation;

  private HiddenLayer(
      GraphContext ctx, Dense<T> dense, Optional<BatchNorm<T>> bn, Activation activation) {
    this.ctx = ctx;
    this.dense = dense;
    this.batchNorm = bn;
    this.activation = activation;
  }

  public static <T extends TFloating> HiddenLayer<T> create(
      GraphContext ctx,
      long inputSize,
      long units,
      boolean batchNorm,
      Activation activation,
      WeightInit init,
      Class<T> type) {
    Dense<T> dense = Dense.create(ctx, inputSize, units, init, type);
    Optional<BatchNorm<T>> bn =
        batchNorm
            ? Optional.of(BatchNorm.create(ctx.withSubScope("bn"), units, type))
            : Optional.empty();
    return new HiddenLayer<>(ctx, dense, bn, activation);
  }

  public Operand<T> call(Operand<T> x) {
    Operand<T> z = dense.call(x);
    if (batchNorm.isPresent()) {
      z = batchNorm.get().call(z);
    }
    return activation.apply(ctx.tf(), z);
  }

  public Dense<T> dense() {
    return dense;
  }

  public long parameterCount() {
    return dense.parameterCount() + batchNorm.map(BatchNorm::parameterCount).orElse(0L);
  }
}
