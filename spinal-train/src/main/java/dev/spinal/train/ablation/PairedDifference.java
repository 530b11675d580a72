package dev.spinal.train.ablation;

import static com.google.common.base.Preconditions.checkArgument;

import org.apache.commons.statistics.distribution.TDistribution;

/**
 * A paired comparison of two heads over the same seeds: the per-seed differences {@code d_i = a_i - b_i},
 * their mean and sample standard deviation ({@code n - 1} in the denominator), and the two-sided
 * confidence interval of the mean difference from the paired t test, {@code mean ± t(1 - (1 - level) / 2,
 * n - 1) * sd / sqrt(n)}, with the Student t quantile for {@code n - 1} degrees of freedom (Apache Commons
 * Statistics). Pairing removes what the seed changes for both heads alike (split, data order, backbone
 * initialization), so it needs fewer seeds than comparing two unpaired means. With one seed there is no
 * interval: {@code low}, {@code high}, {@code sd} and {@code tQuantile} are NaN.
 *
 * @param n number of pairs (seeds)
 * @param level the interval's confidence level, e.g. 0.95
 * @param tQuantile the t quantile used for the half-width
 */
public record PairedDifference(int n, double mean, double sd, double low, double high, double level,
    double tQuantile) {

  /** The paired difference {@code a - b} (same length, same seed order) at confidence {@code level}. */
  public static PairedDifference of(double[] a, double[] b, double level) {
    checkArgument(a.length == b.length, "paired samples need the same length, got %s and %s", a.length, b.length);
    checkArgument(a.length >= 1, "paired samples need at least one pair");
    checkArgument(level > 0 && level < 1, "level must be in (0, 1), got %s", level);
    int n = a.length;
    double[] d = new double[n];
    for (int i = 0; i < n; i++) {
      d[i] = a[i] - b[i];
    }
    Spread s = Spread.of(d);
    if (n < 2) {
      return new PairedDifference(n, s.mean(), Double.NaN, Double.NaN, Double.NaN, level, Double.NaN);
    }
    double t = TDistribution.of(n - 1).inverseCumulativeProbability(1 - (1 - level) / 2);
    double half = t * s.sd() / Math.sqrt(n);
    return new PairedDifference(n, s.mean(), s.sd(), s.mean() - half, s.mean() + half, level, t);
  }

  /** True when the interval lies wholly above or below 0 (a difference at that confidence). */
  public boolean excludesZero() {
    return n >= 2 && (low > 0 || high < 0);
  }
}
