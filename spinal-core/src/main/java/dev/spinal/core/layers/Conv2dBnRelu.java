package dev.spinal.core.layers;

import static com.google.common.base.Preconditions.checkArgument;

import dev.spinal.core.GraphContext;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.family.TFloating;

/**
 * 3x3 convolution (stride 1, "same" padding, with bias) followed by batch norm and ReLU, the VGG
 * block of the paper's scripts: input {@code [batch, h, w, in]}, output {@code [batch, h, w, out]}.
 */
public final class Conv2dBnRelu<T extends TFloating> {

  public static final int KERNEL = 3;

  private final Ops tf;
  private final Variable<T> kernel;
  private final Variable<T> bias;
  private final BatchNorm<T> batchNorm;
  private final long inChannels;
  private final long outChannels;

  private Conv2dBnRelu(
      Ops tf, Variable<T> kernel, Variable<T> bias, BatchNorm<T> batchNorm, long in, long out) {
    this.tf = tf;
    this.kernel = kernel;
    this.bias = bias;
    this.batchNorm = batchNorm;
    this.inChannels = in;
    this.outChannels = out;
  }

  public static <T extends TFloating> Conv2dBnRelu<T> create(
      GraphContext ctx, long inChannels, long outChannels, WeightInit init, Class<T> type) {
    checkArgument(inChannels > 0 && outChannels > 0, "channels must be > 0");
    Ops initOps = ctx.tf().withInitScope();
    long fanIn = KERNEL * KERNEL * inChannels;
    Shape kernelShape = Shape.of(KERNEL, KERNEL, inChannels, outChannels);
    Variable<T> kernel =
        ctx.addTrainable(
            ctx.tf()
                .withName("kernel")
                .variable(init.weights(initOps, kernelShape, fanIn, ctx.nextSeed(), type)));
    Variable<T> bias =
        ctx.addTrainable(
            ctx.tf()
                .withName("bias")
                .variable(init.bias(initOps, outChannels, fanIn, ctx.nextSeed(), type)));
    BatchNorm<T> bn = BatchNorm.create(ctx.withSubScope("bn"), outChannels, type);
    return new Conv2dBnRelu<>(ctx.tf(), kernel, bias, bn, inChannels, outChannels);
  }

  public Operand<T> call(Operand<T> x) {
    Operand<T> conv = tf.nn.conv2d(x, kernel, List.of(1L, 1L, 1L, 1L), "SAME");
    return tf.nn.relu(batchNorm.call(tf.nn.biasAdd(conv, bias)));
  }

  public Variable<T> kernel() {
    return kernel;
  }

  public long parameterCount() {
    return KERNEL * KERNEL * inChannels * outChannels + outChannels + batchNorm.parameterCount();
  }

  /** Multiply-adds counted as 2 FLOPs, per image, for an {@code h x w} output. */
  public long flops(long h, long w) {
    return 2L * h * w * KERNEL * KERNEL * inChannels * outChannels;
  }

  public long outChannels() {
    return outChannels;
  }
}
