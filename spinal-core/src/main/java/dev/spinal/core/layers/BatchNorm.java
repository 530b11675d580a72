package dev.spinal.core.layers;

import static com.google.common.base.Preconditions.checkArgument;

import dev.spinal.core.GraphContext;
import java.util.Arrays;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.nn.FusedBatchNorm;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.family.TFloating;

/**
 * Batch normalization over the last axis, PyTorch's {@code BatchNorm1d/2d} semantics: input and output
 * {@code [batch, channels]} or {@code [batch, height, width, channels]}; learned scale (1) and offset
 * (0) of shape {@code [channels]}; in training, the batch's statistics normalize and the moving
 * statistics are updated ({@code moving = (1 - momentum) * moving + momentum * batch}, the batch
 * variance Bessel-corrected as PyTorch does); in inference the moving statistics normalize.
 *
 * <p>float32 uses TF's fused kernel ({@code FusedBatchNormV3}); it has no float64 kernel, so float64
 * (used by gradient checks) computes the same formula from primitive ops. The context's
 * {@link GraphContext.Mode} decides what is built: one normalization in a training or inference
 * graph; in a switched graph both, with a {@code Select} on the {@code training} input keeping one,
 * which costs both normalizations (and both gradients) every step but keeps one graph for both modes.
 */
public final class BatchNorm<T extends TFloating> {

  /** PyTorch's default epsilon. */
  public static final float EPSILON = 1e-5f;
  /** PyTorch's default momentum (weight of the new batch in the moving average). */
  public static final float MOMENTUM = 0.1f;

  private final GraphContext ctx;
  private final long channels;
  private final Variable<T> scale;
  private final Variable<T> offset;
  private final Variable<T> movingMean;
  private final Variable<T> movingVariance;

  private BatchNorm(
      GraphContext ctx,
      long channels,
      Variable<T> scale,
      Variable<T> offset,
      Variable<T> movingMean,
      Variable<T> movingVariance) {
    this.ctx = ctx;
    this.channels = channels;
    this.scale = scale;
    this.offset = offset;
    this.movingMean = movingMean;
    this.movingVariance = movingVariance;
  }

  /** Creates scale, offset and moving statistics for {@code channels} channels. */
  public static <T extends TFloating> BatchNorm<T> create(
      GraphContext ctx, long channels, Class<T> type) {
    checkArgument(channels > 0, "channels must be > 0, got %s", channels);
    Ops init = ctx.tf().withInitScope();
    Operand<T> ones = filled(init, channels, 1.0, type);
    Operand<T> zeros = filled(init, channels, 0.0, type);
    Variable<T> scale = ctx.addTrainable(ctx.tf().withName("gamma").variable(ones));
    Variable<T> offset = ctx.addTrainable(ctx.tf().withName("beta").variable(zeros));
    Variable<T> mean =
        ctx.addNonTrainable(
            ctx.tf().withName("moving_mean").variable(filled(init, channels, 0.0, type)));
    Variable<T> variance =
        ctx.addNonTrainable(
            ctx.tf().withName("moving_variance").variable(filled(init, channels, 1.0, type)));
    return new BatchNorm<>(ctx, channels, scale, offset, mean, variance);
  }

  private static <T extends TFloating> Operand<T> filled(
      Ops tf, long n, double value, Class<T> type) {
    return tf.fill(tf.constant(new long[] {n}), tf.dtypes.cast(tf.constant(value), type));
  }

  /**
   * Normalizes {@code x} ({@code [batch, channels]} or NHWC) and registers the moving-statistics
   * update with the context.
   */
  public Operand<T> call(Operand<T> x) {
    Shape shape = x.shape();
    checkArgument(
        (shape.numDimensions() == 2 || shape.numDimensions() == 4)
            && shape.get(shape.numDimensions() - 1) == channels,
        "batch norm input must be [batch, %s] or [batch, h, w, %s], got %s",
        channels,
        channels,
        shape);
    return x.type() == TFloat32.class ? fused(x) : composite(x);
  }

  @SuppressWarnings("unchecked")
  private Operand<T> fused(Operand<T> x) {
    Ops tf = ctx.tf();
    boolean flat = x.shape().numDimensions() == 2;
    Operand<T> x4 = flat ? tf.reshape(x, tf.constant(new long[] {-1, 1, 1, channels})) : x;
    Operand<T> y =
        switch (ctx.mode()) {
          case TRAINING -> batchStatistics(x4);
          case INFERENCE -> movingStatistics(x4);
          case SWITCHED -> tf.select(ctx.training(), batchStatistics(x4), movingStatistics(x4));
        };
    return flat ? tf.reshape(y, tf.constant(new long[] {-1, channels})) : y;
  }

  /** Normalizes with the batch's statistics and registers the moving-average updates. */
  @SuppressWarnings("unchecked")
  private Operand<T> batchStatistics(Operand<T> x4) {
    Operand<T> empty = (Operand<T>) ctx.tf().constant(new float[0]);
    FusedBatchNorm<T, T> bn =
        ctx.tf()
            .withName("bn_train")
            .nn
            .fusedBatchNorm(
                x4,
                scale,
                offset,
                empty,
                empty,
                FusedBatchNorm.isTraining(true),
                FusedBatchNorm.epsilon(EPSILON));
    addMovingAverageUpdates(bn.batchMean(), bn.batchVariance());
    return bn.y();
  }

  private Operand<T> movingStatistics(Operand<T> x4) {
    return ctx.tf()
        .withName("bn_infer")
        .nn
        .fusedBatchNorm(
            x4,
            scale,
            offset,
            movingMean,
            movingVariance,
            FusedBatchNorm.isTraining(false),
            FusedBatchNorm.epsilon(EPSILON))
        .y();
  }

  private Operand<T> composite(Operand<T> x) {
    Ops tf = ctx.tf();
    Operand<T> mean = movingMean;
    Operand<T> variance = movingVariance;
    if (ctx.mode() != GraphContext.Mode.INFERENCE) {
      int rank = x.shape().numDimensions();
      int[] reduceAxes = rank == 2 ? new int[] {0} : new int[] {0, 1, 2};
      Operand<T> batchMean = tf.math.mean(x, tf.constant(reduceAxes));
      Operand<T> batchVariance =
          tf.math.mean(tf.math.squaredDifference(x, batchMean), tf.constant(reduceAxes));
      Operand<T> count = tf.dtypes.cast(tf.size(x), x.type());
      Operand<T> perChannel = tf.math.div(count, tf.dtypes.cast(tf.constant(channels), x.type()));
      Operand<T> bessel = tf.math.div(perChannel, tf.math.sub(perChannel, one(tf)));
      addMovingAverageUpdates(batchMean, tf.math.mul(batchVariance, bessel));
      boolean switched = ctx.mode() == GraphContext.Mode.SWITCHED;
      mean = switched ? tf.select(ctx.training(), batchMean, movingMean) : batchMean;
      variance = switched ? tf.select(ctx.training(), batchVariance, movingVariance) : batchVariance;
    }
    Operand<T> epsilon = tf.dtypes.cast(tf.constant(EPSILON), x.type());
    Operand<T> inverseStd = tf.math.rsqrt(tf.math.add(variance, epsilon));
    Operand<T> normalized = tf.math.mul(tf.math.sub(x, mean), tf.math.mul(inverseStd, scale));
    return tf.math.add(normalized, offset);
  }

  /**
   * True if this batch norm only ever normalizes with its moving statistics (an inference graph),
   * so a preceding linear layer may absorb it: see {@link #inferenceAffine()}.
   */
  public boolean foldable() {
    return ctx.mode() == GraphContext.Mode.INFERENCE;
  }

  /** Inference-mode batch norm as a per-channel affine map {@code y = x * scale + shift}. */
  public record Affine<T extends TFloating>(Operand<T> scale, Operand<T> shift) {}

  /**
   * The inference-mode normalization as {@code scale = gamma / sqrt(moving_variance + eps)} and
   * {@code shift = beta - moving_mean * scale}, both {@code [channels]}, computed in the graph from
   * the current variables: a linear layer {@code x W + b} followed by this batch norm equals
   * {@code x (W * scale) + (b * scale + shift)}, one kernel instead of two passes over the activations.
   */
  public Affine<T> inferenceAffine() {
    Ops tf = ctx.tf().withSubScope("folded");
    Operand<T> epsilon = tf.dtypes.cast(tf.constant(EPSILON), scale.type());
    Operand<T> s = tf.math.mul(scale, tf.math.rsqrt(tf.math.add(movingVariance, epsilon)));
    return new Affine<>(s, tf.math.sub(offset, tf.math.mul(movingMean, s)));
  }

  private void addMovingAverageUpdates(Operand<T> batchMean, Operand<T> batchVariance) {
    Ops tf = ctx.tf();
    ctx.addUpdate(tf.withName("update_moving_mean").assign(movingMean, ema(movingMean, batchMean)));
    ctx.addUpdate(
        tf.withName("update_moving_variance")
            .assign(movingVariance, ema(movingVariance, batchVariance)));
  }

  private Operand<T> ema(Operand<T> moving, Operand<T> batch) {
    Ops tf = ctx.tf();
    Operand<T> momentum = tf.dtypes.cast(tf.constant(MOMENTUM), moving.type());
    return tf.math.add(moving, tf.math.mul(tf.math.sub(batch, moving), momentum));
  }

  private Operand<T> one(Ops tf) {
    return tf.dtypes.cast(tf.constant(1.0), scale.type());
  }

  public Variable<T> scale() {
    return scale;
  }

  public Variable<T> offset() {
    return offset;
  }

  public Variable<T> movingMean() {
    return movingMean;
  }

  public Variable<T> movingVariance() {
    return movingVariance;
  }

  /** Trainable parameters (scale and offset); the moving statistics are state, not counted. */
  public long parameterCount() {
    return 2 * channels;
  }

  @Override
  public String toString() {
    return "BatchNorm" + Arrays.toString(new long[] {channels});
  }
}
