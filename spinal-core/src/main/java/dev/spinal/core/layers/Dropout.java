package dev.spinal.core.layers;

import static com.google.common.base.Preconditions.checkArgument;

import dev.spinal.core.GraphContext;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import java.util.List;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.family.TFloating;

/**
 * Inverted dropout, active only when the graph's {@code training} switch is on: each element is kept
 * with probability {@code 1 - rate} and scaled by {@code 1 / (1 - rate)}, as PyTorch's
 * {@code nn.Dropout}. Shape is unchanged.
 *
 * <p>In a switched graph ({@link GraphContext.Mode#SWITCHED}) the effective rate is
 * {@code training ? rate : 0}, so inference multiplies by an all-ones mask and the gradient path is
 * one {@code Mul} in both modes (no branch to differentiate). A training graph always drops; an
 * inference graph passes {@code x} through.
 */
public final class Dropout {

  private final double rate;

  private Dropout(double rate) {
    this.rate = rate;
  }

  /** @param rate probability of dropping an element, in {@code [0, 1)} */
  public static Dropout of(double rate) {
    checkArgument(rate >= 0 && rate < 1, "dropout must be in [0, 1), got %s", rate);
    return new Dropout(rate);
  }

  public double rate() {
    return rate;
  }

  /** Applies dropout with a mask drawn from the context's seed sequence and the graph's step. */
  public <T extends TFloating> Operand<T> call(GraphContext ctx, Operand<T> x) {
    if (rate == 0) {
      return x;
    }
    // Drawn in every mode so that the seed sequence, hence every later initializer, is the same.
    long layerSeed = ctx.nextSeed();
    if (ctx.mode() == GraphContext.Mode.INFERENCE) {
      return x;
    }
    Ops tf = ctx.tf();
    Operand<T> rateNow =
        ctx.mode() == GraphContext.Mode.TRAINING
            ? constant(tf, rate, x.type())
            : tf.select(ctx.training(), constant(tf, rate, x.type()), constant(tf, 0.0, x.type()));
    // Stateless: the mask is a function of (this layer's seed, step), reproducible on resume.
    Operand<TInt64> seed =
        tf.concat(
            List.of(
                tf.constant(new long[] {layerSeed}),
                tf.reshape(ctx.step(), tf.constant(new long[] {1}))),
            tf.constant(0));
    Operand<T> uniform = tf.random.statelessRandomUniform(tf.shape(x), seed, x.type());
    Operand<T> keep =
        tf.stopGradient(tf.dtypes.cast(tf.math.greaterEqual(uniform, rateNow), x.type()));
    Operand<T> scale = tf.math.div(constant(tf, 1.0, x.type()), tf.math.sub(constant(tf, 1.0, x.type()), rateNow));
    return tf.math.mul(x, tf.math.mul(keep, scale));
  }

  private static <T extends TFloating> Operand<T> constant(Ops tf, double value, Class<T> type) {
    return tf.dtypes.cast(tf.constant(value), type);
  }
}
