package dev.spinal.train.callbacks;

import dev.spinal.train.EpochMetrics;
import dev.spinal.train.FitContext;
import java.io.PrintStream;

/**
 * One line per epoch: loss, train/validation/test accuracy, speed and time, e.g.
 * {@code epoch 2/3: loss 0.3121, train 88.70%, validation 90.12%, test 89.80% (best validation), 84 img/s, 640 s}.
 */
public final class EpochLog implements Callback {

  private final PrintStream out;
  private final int every;

  /** Every epoch to {@code out}. */
  public EpochLog(PrintStream out) {
    this(out, 1);
  }

  /** Every {@code every}-th epoch (and the last) to {@code out}: for runs of many short epochs. */
  public EpochLog(PrintStream out, int every) {
    this.out = out;
    this.every = Math.max(1, every);
  }

  @Override
  public void onEpochEnd(FitContext fit, EpochMetrics m, boolean improved) {
    int epochs = fit.trainer().epochs();
    if (m.epoch() % every != 0 && m.epoch() != epochs) {
      return;
    }
    String evaluation = m.evaluated()
        ? String.format("validation %s, test %s%s", EpochMetrics.percent(m.validationAccuracy()),
            EpochMetrics.percent(m.testAccuracy()), improved ? " (best validation)" : "")
        : "not evaluated (every " + fit.trainer().evaluateEvery() + " epochs and the last)";
    out.printf("epoch %d/%d: loss %.4f, train %.2f%%, %s, %.0f img/s%s, %.1f s%n", m.epoch(), epochs, m.trainLoss(),
        100 * m.trainAccuracy(), evaluation, m.imagesPerSecond(), fit.trainsCachedFeatures() ? " (cached features)"
        : "", m.seconds());
  }
}
