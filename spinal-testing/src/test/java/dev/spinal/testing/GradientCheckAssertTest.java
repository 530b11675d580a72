package dev.spinal.testing;

import static dev.spinal.testing.SpinalAssertions.assertThat;
import static dev.spinal.testing.SpinalAssertions.assertThatThrownBy;

import dev.spinal.core.GraphContext;
import dev.spinal.core.check.GradientCheck;
import dev.spinal.core.layers.Dense;
import dev.spinal.core.layers.WeightInit;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat64;

/**
 * {@link GradientCheckAssert} on real reports of a small graph, {@code tanh(x W + b)} with the layer
 * at {@code head/layer2}: one with TensorFlow's own gradients (right), one whose output goes through
 * a square with a deliberately 1% wrong gradient (the negative control of OpGradientCheckTest),
 * plus hand-built reports for NaN, empty and exact message formats.
 */
class GradientCheckAssertTest {

  static GradientCheck.Report right;
  static GradientCheck.Report wrong;

  /** {@code tanh(x W + b)}; with {@code wrongGradient}, squared with a gradient of {@code 2.02 y}. */
  static Operand<TFloat64> layer(GraphContext ctx, Operand<TFloat64> x, boolean wrongGradient) {
    Ops tf = ctx.tf();
    Dense<TFloat64> dense =
        Dense.create(
            ctx.withSubScope("head").withSubScope("layer2"), 3, 2, WeightInit.TORCH_DEFAULT, TFloat64.class);
    Operand<TFloat64> y = tf.math.tanh(dense.call(x));
    if (!wrongGradient) {
      return y;
    }
    Operand<TFloat64> off = tf.math.mul(tf.constant(1.01), tf.math.mul(y, y));
    return tf.math.add(tf.stopGradient(tf.math.sub(tf.math.mul(y, y), off)), off);
  }

  @BeforeAll
  static void check() {
    right = GradientCheck.float64((ctx, in) -> layer(ctx, in.get(0), false)).input("x", Shape.of(4, 3)).run();
    wrong = GradientCheck.float64((ctx, in) -> layer(ctx, in.get(0), true)).input("x", Shape.of(4, 3)).run();
    System.out.print("right\n" + right.table() + "wrong\n" + wrong.table());
  }

  static GradientCheck.Entry worst(GradientCheck.Report report) {
    return report.entries().stream().max(Comparator.comparingDouble(GradientCheck.Entry::relativeError)).orElseThrow();
  }

  /** The report's names in its order (TF's variable order), as messages list them. */
  static String known(GradientCheck.Report report) {
    return String.join(", ", report.entries().stream().map(GradientCheck.Entry::name).toList());
  }

  static GradientCheck.Entry entry(String name, double absolute, double relative) {
    return new GradientCheck.Entry(name, name.contains("/") ? "variable" : "input", 4, absolute, relative, 1.0);
  }

  @Test
  void theRealReportsHoldTheInputAndTheLayersVariables() {
    assertThat(right.entries())
        .extracting(GradientCheck.Entry::name)
        .containsExactlyInAnyOrder("x", "head/layer2/kernel", "head/layer2/bias")
        .startsWith("x"); // inputs first, then variables
  }

  @Test
  void allRelativeErrorsBelowPassesOnRightGradients() {
    assertThat(right).allRelativeErrorsBelow(1e-6);
  }

  @Test
  void allRelativeErrorsBelowCatchesTheWrongGradient() {
    GradientCheck.Entry worst = worst(wrong);
    assertThatThrownBy(() -> assertThat(wrong).allRelativeErrorsBelow(1e-6))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining(
            "gradient check: relative error of " + worst.name() + " is " + Format.measured(worst.relativeError())
                + ", expected below 1.0e-6 (worst of 3 inputs and variables, 3 above the bound; all: x=")
        .hasMessageContaining("head/layer2/kernel=" + Format.measured(wrong.entry("head/layer2/kernel").relativeError()))
        // the report's table follows
        .hasMessageContaining("max abs err");
  }

  @Test
  void theFailureMessageReadsAsDocumented() {
    GradientCheck.Report report =
        new GradientCheck.Report(List.of(entry("x", 1e-12, 1e-9), entry("head/layer2/kernel", 2e-5, 3.1e-4)));
    assertThatThrownBy(() -> assertThat(report).allRelativeErrorsBelow(1e-6))
        .isInstanceOf(AssertionError.class)
        .hasMessageStartingWith(
            "gradient check: relative error of head/layer2/kernel is 3.10e-4, expected below 1.0e-6 (worst of 2"
                + " inputs and variables, 1 above the bound; all: x=1.00e-9, head/layer2/kernel=3.10e-4)");
  }

  @Test
  void aNanErrorFailsAndIsNamedTheWorst() {
    GradientCheck.Report report =
        new GradientCheck.Report(List.of(entry("x", 1, 0.5), entry("head/bn/gamma", Double.NaN, Double.NaN)));
    assertThatThrownBy(() -> assertThat(report).allRelativeErrorsBelow(1e-6))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("relative error of head/bn/gamma is NaN, expected below 1.0e-6");
    assertThatThrownBy(() -> assertThat(report).allAbsoluteErrorsBelow(10))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("absolute error of head/bn/gamma is NaN, expected below 10.0");
  }

  @Test
  void anEmptyReportPassesNothing() {
    GradientCheck.Report empty = new GradientCheck.Report(List.of());
    assertThatThrownBy(() -> assertThat(empty).allRelativeErrorsBelow(1))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("gradient check: the report has no inputs or variables");
    assertThatThrownBy(() -> assertThat(empty).worstRelativeErrorAbove(0))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("the report has no inputs or variables");
  }

  @Test
  void allAbsoluteErrorsBelowPassesOnRightAndCatchesWrongGradients() {
    assertThat(right).allAbsoluteErrorsBelow(1e-8);
    GradientCheck.Entry worst =
        wrong.entries().stream().max(Comparator.comparingDouble(GradientCheck.Entry::maxAbsoluteError)).orElseThrow();
    assertThatThrownBy(() -> assertThat(wrong).allAbsoluteErrorsBelow(1e-8))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining(
            "gradient check: absolute error of " + worst.name() + " is " + Format.measured(worst.maxAbsoluteError())
                + ", expected below 1.0e-8");
  }

  @Test
  void worstRelativeErrorAboveIsTheNegativeControl() {
    assertThat(wrong).worstRelativeErrorAbove(1e-3);
    GradientCheck.Entry worst = worst(right);
    assertThatThrownBy(() -> assertThat(right).worstRelativeErrorAbove(1e-3))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining(
            "gradient check: worst relative error is " + Format.measured(worst.relativeError()) + " (of "
                + worst.name() + "), expected above 0.001: the wrong gradient was not caught");
  }

  @Test
  void hasEntryForFindsFullAndSegmentNames() {
    assertThat(right).hasEntryFor("x").hasEntryFor("head/layer2/kernel").hasEntryFor("layer2/bias").hasEntryFor("layer2");
  }

  @Test
  void hasEntryForAnUnknownNameListsTheKnownOnes() {
    assertThatThrownBy(() -> assertThat(right).hasEntryFor("layer9"))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining(
            "gradient check: no input or variable named layer9; known: " + known(right));
    // whole segments only: "layer" is not "layer2", "features" is not "x"
    assertThatThrownBy(() -> assertThat(right).hasEntryFor("layer"))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("no input or variable named layer;");
  }

  @Test
  void relativeErrorOfNavigatesToADoubleAssert() {
    assertThat(right).relativeErrorOf("layer2/kernel").isLessThan(1e-6).isGreaterThanOrEqualTo(0);
    double kernel = wrong.entry("head/layer2/kernel").relativeError();
    assertThatThrownBy(() -> assertThat(wrong).relativeErrorOf("kernel").isLessThan(1e-6))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("[gradient check: relative error of head/layer2/kernel]")
        .hasMessageContaining(Double.toString(kernel))
        .hasMessageContaining("1.0E-6");
  }

  @Test
  void anAmbiguousNameFailsWithTheCandidates() {
    assertThatThrownBy(() -> assertThat(right).relativeErrorOf("layer2"))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining(
            "gradient check: layer2 names 2 of them: " + known(right).substring("x, ".length())
                + "; use a longer name (known: " + known(right) + ")");
    assertThatThrownBy(() -> assertThat(right).maxGradientOf("features"))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("no input or variable named features; known: " + known(right));
  }

  @Test
  void absoluteErrorAndMaxGradientOf() {
    assertThat(right).absoluteErrorOf("x").isLessThan(1e-8);
    assertThat(right).maxGradientOf("x").isGreaterThan(1e-3);
    double bias = right.entry("head/layer2/bias").maxGradient();
    assertThatThrownBy(() -> assertThat(right).maxGradientOf("bias").isGreaterThan(100))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("[gradient check: max |gradient| of head/layer2/bias]")
        .hasMessageContaining(Double.toString(bias));
  }

  @Test
  void entriesIsAListAssert() {
    assertThat(right).entries().hasSize(3).filteredOn(e -> e.kind().equals("variable")).hasSize(2);
    assertThatThrownBy(() -> assertThat(right).entries().hasSize(4))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("[gradient check: entries]");
  }

  @Test
  void theUsersDescriptionPrefixesNavigatedAssertionsAndMessages() {
    assertThatThrownBy(() -> assertThat(right).as("my head").relativeErrorOf("x").isGreaterThan(1))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("[my head: gradient check: relative error of x]");
    assertThatThrownBy(() -> assertThat(wrong).as("my head").allRelativeErrorsBelow(1e-6))
        .isInstanceOf(AssertionError.class)
        .hasMessageStartingWith("[my head] gradient check: relative error of");
  }

  @Test
  void aNullReportFails() {
    assertThatThrownBy(() -> assertThat((GradientCheck.Report) null).allRelativeErrorsBelow(1))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("Expecting actual not to be null");
  }
}
