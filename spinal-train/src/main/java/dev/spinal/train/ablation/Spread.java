package dev.spinal.train.ablation;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * Mean, sample standard deviation ({@code n - 1} in the denominator; NaN for one value), minimum and
 * maximum of a few values, e.g. a head's test accuracies over seeds.
 */
public record Spread(int n, double mean, double sd, double min, double max) {

  public static Spread of(double[] values) {
    checkArgument(values.length >= 1, "no values");
    double sum = 0;
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (double v : values) {
      sum += v;
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    double mean = sum / values.length;
    double squares = 0;
    for (double v : values) {
      squares += (v - mean) * (v - mean);
    }
    double sd = values.length < 2 ? Double.NaN : Math.sqrt(squares / (values.length - 1));
    return new Spread(values.length, mean, sd, min, max);
  }
}
