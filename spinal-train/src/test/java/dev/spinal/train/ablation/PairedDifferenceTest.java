package dev.spinal.train.ablation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** The paired t interval on fixed numbers, against values computed by hand. */
class PairedDifferenceTest {

  /**
   * a = (0.91, 0.93, 0.92), b = (0.90, 0.90, 0.91): d = (0.01, 0.03, 0.01), mean 0.05/3 = 0.016667, sd =
   * sqrt(((-1/150)^2 * 2 + (2/150)^2) / 2) = sqrt(1/7500) = 0.011547; t(0.975, 2) = 4.302653 (the table value
   * for 2 degrees of freedom); half-width 4.302653 * 0.011547 / sqrt(3) = 0.028684, so [-0.012018, 0.045351].
   */
  @Test
  void threeSeedsMatchTheHandComputedInterval() {
    PairedDifference d = PairedDifference.of(new double[] {0.91, 0.93, 0.92}, new double[] {0.90, 0.90, 0.91}, 0.95);
    assertThat(d.n()).isEqualTo(3);
    assertThat(d.mean()).isCloseTo(0.0166667, within(1e-6));
    assertThat(d.sd()).isCloseTo(0.0115470, within(1e-6));
    assertThat(d.tQuantile()).isCloseTo(4.302653, within(1e-6));
    assertThat(d.low()).isCloseTo(-0.012018, within(1e-6));
    assertThat(d.high()).isCloseTo(0.045351, within(1e-6));
    assertThat(d.excludesZero()).isFalse();
  }

  /** Five pairs: t(0.975, 4) = 2.776445; d = (1, 2, 3, 4, 5) / 100: mean 0.03, sd 0.0158114, half 0.0196324. */
  @Test
  void fiveSeedsUseFourDegreesOfFreedom() {
    PairedDifference d = PairedDifference.of(new double[] {0.01, 0.02, 0.03, 0.04, 0.05}, new double[5], 0.95);
    assertThat(d.tQuantile()).isCloseTo(2.776445, within(1e-6));
    assertThat(d.low()).isCloseTo(0.03 - 0.0196324, within(1e-6));
    assertThat(d.high()).isCloseTo(0.03 + 0.0196324, within(1e-6));
    assertThat(d.excludesZero()).isTrue();
  }

  @Test
  void oneSeedHasNoInterval() {
    PairedDifference d = PairedDifference.of(new double[] {0.9}, new double[] {0.8}, 0.95);
    assertThat(d.mean()).isCloseTo(0.1, within(1e-12));
    assertThat(d.low()).isNaN();
    assertThat(d.high()).isNaN();
    assertThat(d.excludesZero()).isFalse();
  }

  @Test
  void unpairedSamplesAreRefused() {
    assertThatThrownBy(() -> PairedDifference.of(new double[] {1, 2}, new double[] {1}, 0.95))
        .hasMessageContaining("same length, got 2 and 1");
  }
}
