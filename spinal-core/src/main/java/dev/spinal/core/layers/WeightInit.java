package dev.spinal.core.layers;

import org.tensorflow.Operand;
import org.tensorflow.framework.initializers.Glorot;
import org.tensorflow.framework.initializers.He;
import org.tensorflow.framework.initializers.RandomNormal;
import org.tensorflow.framework.initializers.RandomUniform;
import org.tensorflow.framework.initializers.VarianceScaling;
import org.tensorflow.framework.initializers.Zeros;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.family.TFloating;

/**
 * How a dense or convolution layer's weights and bias start. The values come from the TF Java
 * framework's initializers; this enum only picks them and their parameters.
 */
public enum WeightInit {
  /**
   * PyTorch's {@code nn.Linear}/{@code nn.Conv2d} default: weights and bias uniform in
   * {@code ±1/sqrt(fan_in)}. The default, so results compare with the paper's scripts.
   */
  TORCH_DEFAULT,
  /** Glorot (Xavier) uniform weights, zero bias: Keras' default. */
  GLOROT_UNIFORM,
  /** He truncated-normal weights, zero bias: suited to ReLU stacks. */
  HE_NORMAL,
  /**
   * The paper's VGG-5 convolution init: weights normal(0, sqrt(2 / (k*k*out_channels))), bias as
   * {@link #TORCH_DEFAULT} (the scripts leave the conv bias at PyTorch's default).
   */
  VGG_CONV;

  /**
   * Initial weights of the given shape ({@code [in, out]} for dense, {@code [kh, kw, in, out]} for
   * conv), built in {@code tf}'s scope (pass an init scope).
   *
   * @param fanIn inputs per output unit ({@code in} for dense, {@code kh*kw*in} for conv)
   */
  public <T extends TFloating> Operand<T> weights(
      Ops tf, Shape shape, long fanIn, long seed, Class<T> type) {
    Operand<org.tensorflow.types.TInt64> dims = tf.constant(shape.asArray());
    return switch (this) {
      case TORCH_DEFAULT -> torchUniform(fanIn, seed, type).call(tf, dims, type);
      case GLOROT_UNIFORM ->
          new Glorot<T>(VarianceScaling.Distribution.UNIFORM, seed).call(tf, dims, type);
      case HE_NORMAL ->
          new He<T>(VarianceScaling.Distribution.TRUNCATED_NORMAL, seed).call(tf, dims, type);
      case VGG_CONV -> {
        long kernelArea = shape.numDimensions() == 4 ? shape.get(0) * shape.get(1) : 1;
        long outChannels = shape.get(shape.numDimensions() - 1);
        double stddev = Math.sqrt(2.0 / (kernelArea * outChannels));
        yield new RandomNormal<T>(0.0, stddev, seed).call(tf, dims, type);
      }
    };
  }

  /** Initial bias of length {@code units}, in {@code tf}'s scope. */
  public <T extends TFloating> Operand<T> bias(
      Ops tf, long units, long fanIn, long seed, Class<T> type) {
    Operand<org.tensorflow.types.TInt64> dims = tf.constant(new long[] {units});
    return switch (this) {
      case TORCH_DEFAULT, VGG_CONV -> torchUniform(fanIn, seed, type).call(tf, dims, type);
      case GLOROT_UNIFORM, HE_NORMAL -> new Zeros<T>().call(tf, dims, type);
    };
  }

  private static <T extends TFloating> RandomUniform<T> torchUniform(
      long fanIn, long seed, Class<T> type) {
    double bound = 1.0 / Math.sqrt(fanIn);
    return new RandomUniform<>(-bound, bound, seed);
  }
}
