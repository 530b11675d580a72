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
 *
 * <p>In an inference graph ({@link GraphContext.Mode#INFERENCE}) the batch norm is folded into the
 * convolution: see {@link GraphContext#derivedUpdates()}.
 */
public final class Conv2dBnRelu<T extends TFloating> {

  public static final int KERNEL = 3;

  private final Ops tf;
  private final Variable<T> kernel;
  private final Variable<T> bias;
  private final BatchNorm<T> batchNorm;
  private final long inChannels;
  private final long outChannels;
  /** Inference graphs: kernel and bias with the batch norm folded in, or null. */
  private final Variable<T> foldedKernel;
  private final Variable<T> foldedBias;

  private Conv2dBnRelu(
      Ops tf, Variable<T> kernel, Variable<T> bias, BatchNorm<T> batchNorm, long in, long out,
      Variable<T> foldedKernel, Variable<T> foldedBias) {
    this.tf = tf;
    this.kernel = kernel;
    this.bias = bias;
    this.batchNorm = batchNorm;
    this.inChannels = in;
    this.outChannels = out;
    this.foldedKernel = foldedKernel;
    this.foldedBias = foldedBias;
  }

  public static <T extends TFloating> Conv2dBnRelu<T> create(
      GraphContext ctx, long inChannels, long outChannels, WeightInit init, Class<T> type) {
    checkArgument(inChannels > 0 && outChannels > 0, "channels must be > 0");
    Ops initOps = ctx.tf().withInitScope();
    long fanIn = KERNEL * KERNEL * inChannels;
    Shape kernelShape = Shape.of(KERNEL, KERNEL, inChannels, outChannels);
    Operand<T> kernelInit = init.weights(initOps, kernelShape, fanIn, ctx.nextSeed(), type);
    Operand<T> biasInit = init.bias(initOps, outChannels, fanIn, ctx.nextSeed(), type);
    Variable<T> kernel = ctx.addTrainable(ctx.tf().withName("kernel").variable(kernelInit));
    Variable<T> bias = ctx.addTrainable(ctx.tf().withName("bias").variable(biasInit));
    BatchNorm<T> bn = BatchNorm.create(ctx.withSubScope("bn"), outChannels, type);
    if (!bn.foldable()) {
      return new Conv2dBnRelu<>(ctx.tf(), kernel, bias, bn, inChannels, outChannels, null, null);
    }
    // Inference graph: the batch norm folded into variables of their own, recomputed by a derived
    // update whenever the weights change, so serving runs one fused conv + bias + ReLU per layer.
    // Folding per call instead would re-read and re-write every kernel on every call: measured 1.3x
    // slower than not folding at batch 1 (BENCHMARKS.md).
    Operand<T> initialScale =
        initOps.dtypes.cast(initOps.constant(1.0 / Math.sqrt(1.0 + BatchNorm.EPSILON)), type);
    Variable<T> foldedKernel = ctx.tf().withName("folded_kernel")
        .variable(initOps.math.mul(kernelInit, initialScale));
    Variable<T> foldedBias = ctx.tf().withName("folded_bias")
        .variable(initOps.math.mul(biasInit, initialScale));
    BatchNorm.Affine<T> affine = bn.inferenceAffine();
    Ops fold = ctx.tf().withSubScope("fold");
    ctx.addDerivedUpdate(fold.assign(foldedKernel, fold.math.mul(kernel, affine.scale())));
    ctx.addDerivedUpdate(fold.assign(foldedBias,
        fold.math.add(fold.math.mul(bias, affine.scale()), affine.shift())));
    return new Conv2dBnRelu<>(ctx.tf(), kernel, bias, bn, inChannels, outChannels, foldedKernel,
        foldedBias);
  }

  public Operand<T> call(Operand<T> x) {
    if (foldedKernel != null) {
      return tf.nn.relu(tf.nn.biasAdd(conv(x, foldedKernel), foldedBias));
    }
    return tf.nn.relu(batchNorm.call(tf.nn.biasAdd(conv(x, kernel), bias)));
  }

  private Operand<T> conv(Operand<T> x, Operand<T> filter) {
    return tf.nn.conv2d(x, filter, List.of(1L, 1L, 1L, 1L), "SAME");
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
