package dev.spinal.train;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * How often a {@link Trainer} measures the weight gradients of its training steps and hands them to the
 * callbacks ({@link dev.spinal.train.callbacks.Callback#onGradients}; {@link
 * dev.spinal.train.callbacks.TensorBoardLog} writes them): the per-layer gradient norms every
 * {@code normsEvery} steps (fetched with the step itself: no extra pass), and histograms of the weights and
 * their gradients every {@code histogramsEvery} steps (those copy every weight out of TensorFlow, so keep
 * them rarer). A step is measured when the number of steps done before it is a multiple of the interval,
 * so step 0 (the weights at initialization) always is. 0 turns either off.
 *
 * <pre>{@code
 * Trainer.builder().gradientLogging(GradientLogging.every(100).withHistogramsEvery(1000))...
 * }</pre>
 */
public record GradientLogging(int normsEvery, int histogramsEvery) {

  /** Nothing measured: every step is a plain one. */
  public static final GradientLogging OFF = new GradientLogging(0, 0);

  public GradientLogging {
    checkArgument(normsEvery >= 0, "GradientLogging.normsEvery must be >= 0 (0 = off), got %s", normsEvery);
    checkArgument(histogramsEvery >= 0, "GradientLogging.histogramsEvery must be >= 0 (0 = off), got %s",
        histogramsEvery);
  }

  /** Norms every {@code steps} steps, no histograms. */
  public static GradientLogging every(int steps) {
    checkArgument(steps >= 1, "GradientLogging.every must be >= 1, got %s", steps);
    return new GradientLogging(steps, 0);
  }

  /** A copy that also writes histograms every {@code steps} steps (0: none). */
  public GradientLogging withHistogramsEvery(int steps) {
    return new GradientLogging(normsEvery, steps);
  }

  /** Whether the step after {@code stepsDone} steps is measured. */
  public boolean measures(long stepsDone) {
    return (normsEvery > 0 && stepsDone % normsEvery == 0) || histograms(stepsDone);
  }

  /** Whether that step also copies the weights and gradients out for histograms. */
  public boolean histograms(long stepsDone) {
    return histogramsEvery > 0 && stepsDone % histogramsEvery == 0;
  }

  /** True unless both intervals are 0. */
  public boolean enabled() {
    return normsEvery > 0 || histogramsEvery > 0;
  }
}
