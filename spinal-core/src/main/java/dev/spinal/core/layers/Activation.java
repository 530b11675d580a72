package dev.spinal.core.layers;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.family.TFloating;

/** Element-wise activations a head layer can use. Shapes are unchanged. */
public enum Activation {
  /** {@code max(x, 0)}: the paper's scripts' choice. */
  RELU,
  /** {@code 1 / (1 + e^-x)}: the classic activation whose gradient vanishes in deep stacks. */
  SIGMOID,
  TANH,
  ELU,
  /** No activation. */
  IDENTITY;

  /** Applies the activation to {@code x}. */
  public <T extends TFloating> Operand<T> apply(Ops tf, Operand<T> x) {
    return switch (this) {
      case RELU -> tf.nn.relu(x);
      case SIGMOID -> tf.math.sigmoid(x);
      case TANH -> tf.math.tanh(x);
      case ELU -> tf.nn.elu(x);
      case IDENTITY -> x;
    };
  }
}
