package dev.spinal.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The number format of failure messages and how names are matched. */
class FormatAndNamesTest {

  @Test
  void measuredValuesHaveThreeDigitsAndShortExponents() {
    assertThat(Format.measured(3.1234e-4)).isEqualTo("3.12e-4");
    assertThat(Format.measured(12.5)).isEqualTo("1.25e1");
    assertThat(Format.measured(1.0)).isEqualTo("1.00e0");
    assertThat(Format.measured(2.5e-10)).isEqualTo("2.50e-10");
    assertThat(Format.measured(0)).isEqualTo("0.00e0");
    assertThat(Format.measured(Double.NaN)).isEqualTo("NaN");
    assertThat(Format.measured(Double.NEGATIVE_INFINITY)).isEqualTo("-Infinity");
  }

  @Test
  void aValueThatRoundsOntoItsBoundIsPrintedInFull() {
    assertThat(Format.measured(1.0000001e-6, 1e-6)).isEqualTo("1.0000001E-6");
    assertThat(Format.measured(3.1e-4, 1e-6)).isEqualTo("3.10e-4");
  }

  @Test
  void boundsReadAsWritten() {
    assertThat(Format.bound(1e-6)).isEqualTo("1.0e-6");
    assertThat(Format.bound(0.1)).isEqualTo("0.1");
    assertThat(Format.bound(10)).isEqualTo("10.0");
  }

  @Test
  void namesMatchExactlyOrByWholeSegments() {
    List<String> names = List.of("x", "head/layer1/kernel", "head/layer10/kernel", "head/layer1/bias", "layer1");
    assertThat(Names.matches(names, "layer1")).containsExactly(4); // exact wins
    assertThat(Names.matches(names, "layer1/kernel")).containsExactly(1);
    assertThat(Names.matches(names, "head/layer10")).containsExactly(2);
    assertThat(Names.matches(names, "kernel")).containsExactly(1, 2);
    assertThat(Names.matches(names, "layer")).isEmpty();
    assertThat(Names.matches(names, "ayer1/kernel")).isEmpty();
    assertThat(Names.problem(names, "layer1/kernel", "layer")).isNull();
    assertThat(Names.problem(names, "y", "layer")).startsWith("no layer named y; known: x, head/layer1/kernel");
    assertThat(Names.problem(names, "kernel", "layer"))
        .startsWith("kernel names 2 of them: head/layer1/kernel, head/layer10/kernel; use a longer name");
  }
}
