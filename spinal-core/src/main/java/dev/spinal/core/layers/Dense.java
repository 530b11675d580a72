package dev.spinal.core.layers;

import static com.google.common.base.Preconditions.checkArgument;

import dev.spinal.core.GraphContext;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.family.TFloating;

/**
 * A fully connected layer {@code y = x W + b}: input {@code [batch, inputSize]}, output
 * {@code [batch, units]}, kernel {@code [inputSize, units]}, bias {@code [units]}.
 */
public final class Dense<T extends TFloating> {

  private final Ops tf;
  private final Variable<T> kernel;
  private final Variable<T> bias;
  private final long inputSize;
  private final long units;

  private Dense(Ops tf, Variable<T> kernel, Variable<T> bias, long inputSize, long units) {
    this.tf = tf;
    this.kernel = kernel;
    this.bias = bias;
    this.inputSize = inputSize;
    this.units = units;
  }

  /** Creates the layer's variables under {@code ctx} (name them with {@link GraphContext#withSubScope}). */
  public static <T extends TFloating> Dense<T> create(
      GraphContext ctx, long inputSize, long units, WeightInit init, Class<T> type) {
    checkArgument(inputSize > 0, "inputSize must be > 0, got %s", inputSize);
    checkArgument(units > 0, "units must be > 0, got %s", units);
    Ops init0 = ctx.tf().withInitScope();
    Variable<T> kernel =
        ctx.addTrainable(
            ctx.tf()
                .withName("kernel")
                .variable(
                    init.weights(
                        init0, Shape.of(inputSize, units), inputSize, ctx.nextSeed(), type)));
    Variable<T> bias =
        ctx.addTrainable(
            ctx.tf()
                .withName("bias")
                .variable(init.bias(init0, units, inputSize, ctx.nextSeed(), type)));
    return new Dense<>(ctx.tf(), kernel, bias, inputSize, units);
  }

  /** {@code x W + b} for {@code x} of shape {@code [batch, inputSize]}. */
  public Operand<T> call(Operand<T> x) {
    return tf.nn.biasAdd(tf.linalg.matMul(x, kernel), bias);
  }

  public Variable<T> kernel() {
    return kernel;
  }

  public Variable<T> bias() {
    return bias;
  }

  public long inputSize() {
    return inputSize;
  }

  public long units() {
    return units;
  }

  /** Weights plus biases. */
  public long parameterCount() {
    return inputSize * units + units;
  }
}
