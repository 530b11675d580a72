package dev.spinal.train;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.Locale;

/**
 * What one epoch measured. Accuracies are fractions in [0, 1]; {@code dataWaitFraction} is the share
 * of the epoch's training time spent waiting for the next batch. Validation and test figures are NaN where the
 * split is empty or absent, and in an epoch that was not evaluated ({@link Trainer.Builder#evaluateEvery}).
 */
public record EpochMetrics(
    int epoch,
    long step,
    double learningRate,
    double trainLoss,
    double trainAccuracy,
    double validationLoss,
    double validationAccuracy,
    double testLoss,
    double testAccuracy,
    double seconds,
    double imagesPerSecond,
    double dataWaitFraction) {

  /** Whether the epoch was evaluated: it has a validation or a test figure. */
  @JsonIgnore
  public boolean evaluated() {
    return !Double.isNaN(validationAccuracy) || !Double.isNaN(testAccuracy);
  }

  /** {@code fraction} as a percentage with two decimals ({@code "93.17%"}), or {@code "-"} where it is NaN. */
  public static String percent(double fraction) {
    return Double.isNaN(fraction) ? "-" : String.format(Locale.ROOT, "%.2f%%", 100 * fraction);
  }
}
