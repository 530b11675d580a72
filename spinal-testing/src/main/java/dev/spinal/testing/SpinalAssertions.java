package dev.spinal.testing;

import dev.spinal.core.check.GradientCheck;
import dev.spinal.core.check.GradientFlow;
import org.assertj.core.api.Assertions;

/**
 * The entry point of Spinal's assertions: {@code assertThat} for gradient-check and gradient-flow
 * reports, plus (inherited) every AssertJ {@code assertThat}, so one static import serves a test.
 *
 * <pre>{@code
 * import static dev.spinal.testing.SpinalAssertions.assertThat;
 *
 * assertThat(GradientCheck.float64(mySubgraph).input("x", Shape.of(3, 4)).run())
 *     .allRelativeErrorsBelow(1e-6);
 * assertThat(GradientFlow.ofHeadAtInitialization(myHead, 64, 5, 11))
 *     .allNormsFinite()
 *     .firstOverLastHidden().isBetween(0.1, 10);
 * }</pre>
 */
public class SpinalAssertions extends Assertions {

  /** Subclasses may add their own entry points, as AssertJ's {@link Assertions} allows. */
  protected SpinalAssertions() {}

  /** Assertions over a gradient check's symbolic-vs-finite-difference errors; see {@link GradientCheckAssert}. */
  public static GradientCheckAssert assertThat(GradientCheck.Report actual) {
    return new GradientCheckAssert(actual);
  }

  /** Assertions over per-layer kernel-gradient norms; see {@link GradientFlowAssert}. */
  public static GradientFlowAssert assertThat(GradientFlow.Report actual) {
    return new GradientFlowAssert(actual);
  }
}
