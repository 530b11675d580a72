package dev.spinal.testing;

import java.util.Locale;

/** Numbers in failure messages: measured values to 3 significant digits, bounds as written. */
final class Format {

  private Format() {}

  /** {@code 3.1234e-4} as {@code 3.12e-4}; NaN and infinities as Java prints them. */
  static String measured(double value) {
    if (!Double.isFinite(value)) {
      return Double.toString(value);
    }
    String s = String.format(Locale.ROOT, "%.2e", value);
    // 3.12e-04 -> 3.12e-4, 1.00e+01 -> 1.00e1
    return s.replaceFirst("e\\+?(-?)0*(\\d)", "e$1$2");
  }

  /**
   * A measured value next to a bound: to 3 digits, unless that rounds it onto the bound (the
   * message would read "1.00e-6, expected below 1.0e-6"); then in full.
   */
  static String measured(double value, double bound) {
    String s = measured(value);
    return Double.isFinite(value) && Double.parseDouble(s) == bound ? Double.toString(value) : s;
  }

  /** A bound as the user wrote it: {@code 1e-6} as {@code 1.0e-6}, {@code 0.1} as {@code 0.1}. */
  static String bound(double bound) {
    return Double.toString(bound).replace('E', 'e');
  }
}
