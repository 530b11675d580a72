package dev.spinal.testing;

import org.assertj.core.api.AbstractDoubleAssert;

/**
 * An AssertJ double assertion on one measured value of a report (an error, a norm, a ratio of
 * norms), described by what was measured, e.g. {@code [gradient flow: ||dL/dW|| of
 * head/layer1/kernel over head/layer4/kernel (1.56e-1 / 1.66e-1)]}. Every double assertion works
 * ({@code isLessThan}, {@code isCloseTo}, ...); {@link #isBetween(double, double)} and
 * {@link #isStrictlyBetween(double, double)} also take primitive bounds, so that
 * {@code isBetween(0.1, 10)} compiles (AssertJ's own take {@code Double}s, which an {@code int}
 * literal does not convert to).
 */
public class MeasuredValueAssert extends AbstractDoubleAssert<MeasuredValueAssert> {

  /** Created by {@link GradientCheckAssert} and {@link GradientFlowAssert}. */
  public MeasuredValueAssert(double actual) {
    super(actual, MeasuredValueAssert.class);
  }

  /** Verifies that the value is in {@code [start, end]}, bounds included. */
  public MeasuredValueAssert isBetween(double start, double end) {
    return isBetween(Double.valueOf(start), Double.valueOf(end));
  }

  /** Verifies that the value is in {@code (start, end)}, bounds excluded. */
  public MeasuredValueAssert isStrictlyBetween(double start, double end) {
    return isStrictlyBetween(Double.valueOf(start), Double.valueOf(end));
  }
}
