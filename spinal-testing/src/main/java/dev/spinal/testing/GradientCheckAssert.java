package dev.spinal.testing;

import static dev.spinal.testing.Format.bound;
import static dev.spinal.testing.Format.measured;

import dev.spinal.core.check.GradientCheck;
import java.util.Comparator;
import java.util.List;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;
import org.assertj.core.api.AbstractAssert;
import org.assertj.core.api.Assertions;
import org.assertj.core.api.ListAssert;

/**
 * Assertions over a {@link GradientCheck.Report}: for every input and variable of the checked
 * subgraph, the report holds the max absolute difference between TensorFlow's symbolic gradient and
 * central finite differences ({@link GradientCheck.Entry#maxAbsoluteError()}), that difference
 * relative to the largest gradient element or the check's gradient floor
 * ({@link GradientCheck.Entry#relativeError()}), and the largest gradient element
 * ({@link GradientCheck.Entry#maxGradient()}).
 *
 * <pre>{@code
 * assertThat(report).allRelativeErrorsBelow(1e-6);                 // the gradients are right
 * assertThat(report).maxGradientOf("features").isGreaterThan(1e-4); // and not trivially zero
 * assertThat(wrongReport).worstRelativeErrorAbove(1e-3);          // a wrong gradient is caught
 * }</pre>
 *
 * <p>Names are the report's input and variable names; a name also matches as whole
 * {@code /}-separated segments of a longer one ({@code layer2/kernel} finds
 * {@code progressive_spinal_head/layer2/kernel}). Failure messages name the input or variable, the
 * measured value and the bound, and end with the report's table. Get one with
 * {@link SpinalAssertions#assertThat(GradientCheck.Report)}.
 */
public class GradientCheckAssert extends AbstractAssert<GradientCheckAssert, GradientCheck.Report> {

  /** Prefer {@link SpinalAssertions#assertThat(GradientCheck.Report)}. */
  public GradientCheckAssert(GradientCheck.Report actual) {
    super(actual, GradientCheckAssert.class);
  }

  /**
   * Verifies that the report has at least one entry and that every input's and variable's relative
   * error ({@code max|symbolic - numeric| / max(max|gradient|, floor)}) is strictly below
   * {@code bound}. A NaN error fails. The message names the worst entry, e.g. {@code gradient check:
   * relative error of head/layer2/kernel is 3.10e-4, expected below 1.0e-6 (worst of 5 inputs and
   * variables, 1 above the bound; all: ...)}.
   */
  public GradientCheckAssert allRelativeErrorsBelow(double bound) {
    return allBelow(bound, "relative error", GradientCheck.Entry::relativeError);
  }

  /**
   * Verifies that the report has at least one entry and that every input's and variable's max
   * absolute error {@code max|symbolic - numeric|} (in the gradient's own units) is strictly below
   * {@code bound}. A NaN error fails; the message names the worst entry.
   */
  public GradientCheckAssert allAbsoluteErrorsBelow(double bound) {
    return allBelow(bound, "absolute error", GradientCheck.Entry::maxAbsoluteError);
  }

  /**
   * The negative control: verifies that the worst relative error over all inputs and variables is
   * strictly above {@code bound}, i.e. that the check catches a gradient known to be wrong. Use it on
   * a subgraph with a deliberately broken gradient, with the tolerance the real checks use, to show
   * that tolerance can fail.
   */
  public GradientCheckAssert worstRelativeErrorAbove(double bound) {
    hasEntries();
    GradientCheck.Entry worst = worst(GradientCheck.Entry::relativeError);
    if (!(worst.relativeError() > bound)) {
      failWith(
          String.format(
              "gradient check: worst relative error is %s (of %s), expected above %s: the wrong"
                  + " gradient was not caught",
              measured(worst.relativeError(), bound), worst.name(), bound(bound)));
    }
    return this;
  }

  /**
   * Verifies that the report has an entry for the input or variable {@code name} (exact, or as whole
   * {@code /}-separated segments of an entry's name); the message lists the known names.
   */
  public GradientCheckAssert hasEntryFor(String name) {
    isNotNull();
    if (Names.matches(names(), name).isEmpty()) {
      failWith(
          String.format(
              "gradient check: no input or variable named %s; known: %s", name, String.join(", ", names())));
    }
    return this;
  }

  /**
   * The relative error of one input or variable, for any double assertion:
   * {@code relativeErrorOf("x").isLessThan(1e-7)}. The name must match exactly one entry.
   */
  public MeasuredValueAssert relativeErrorOf(String name) {
    GradientCheck.Entry e = entry(name);
    return describe(new MeasuredValueAssert(e.relativeError()), "relative error of " + e.name());
  }

  /** The max absolute error {@code max|symbolic - numeric|} of one input or variable. */
  public MeasuredValueAssert absoluteErrorOf(String name) {
    GradientCheck.Entry e = entry(name);
    return describe(new MeasuredValueAssert(e.maxAbsoluteError()), "absolute error of " + e.name());
  }

  /**
   * The largest gradient element {@code max|dL/de|} (symbolic or numeric) of one input or variable:
   * {@code maxGradientOf("features").isGreaterThan(1e-4)} shows a check did not pass on zeros.
   */
  public MeasuredValueAssert maxGradientOf(String name) {
    GradientCheck.Entry e = entry(name);
    return describe(new MeasuredValueAssert(e.maxGradient()), "max |gradient| of " + e.name());
  }

  /**
   * The report's entries (inputs first, then variables), for list assertions:
   * {@code entries().extracting(GradientCheck.Entry::name).contains("gamma")}.
   */
  public ListAssert<GradientCheck.Entry> entries() {
    isNotNull();
    return describe(Assertions.assertThat(actual.entries()), "entries");
  }

  private GradientCheckAssert allBelow(
      double bound, String what, ToDoubleFunction<GradientCheck.Entry> error) {
    hasEntries();
    List<GradientCheck.Entry> above =
        actual.entries().stream().filter(e -> !(error.applyAsDouble(e) < bound)).toList();
    if (!above.isEmpty()) {
      GradientCheck.Entry worst = worst(error);
      String all =
          actual.entries().stream()
              .map(e -> e.name() + "=" + measured(error.applyAsDouble(e)))
              .collect(Collectors.joining(", "));
      failWith(
          String.format(
              "gradient check: %s of %s is %s, expected below %s (worst of %d inputs and variables, %d"
                  + " above the bound; all: %s)",
              what,
              worst.name(),
              measured(error.applyAsDouble(worst), bound),
              bound(bound),
              actual.entries().size(),
              above.size(),
              all));
    }
    return this;
  }

  /** The entry with the largest error, NaN counting as the largest. */
  private GradientCheck.Entry worst(ToDoubleFunction<GradientCheck.Entry> error) {
    return actual.entries().stream()
        .max(Comparator.comparingDouble(e -> nanLast(error.applyAsDouble(e))))
        .orElseThrow();
  }

  private static double nanLast(double v) {
    return Double.isNaN(v) ? Double.POSITIVE_INFINITY : v;
  }

  private void hasEntries() {
    isNotNull();
    if (actual.entries().isEmpty()) {
      failWith("gradient check: the report has no inputs or variables");
    }
  }

  private GradientCheck.Entry entry(String name) {
    isNotNull();
    String problem = Names.problem(names(), name, "input or variable");
    if (problem != null) {
      failWith("gradient check: " + problem);
    }
    return actual.entries().get(Names.matches(names(), name).get(0));
  }

  private List<String> names() {
    return actual.entries().stream().map(GradientCheck.Entry::name).toList();
  }

  private void failWith(String message) {
    failWithMessage("%s", message + System.lineSeparator() + actual.table());
  }

  private <A extends AbstractAssert<?, ?>> A describe(A assertion, String what) {
    String outer = descriptionText();
    String text = "gradient check: " + what;
    assertion.as(outer == null || outer.isEmpty() ? text : outer + ": " + text);
    return assertion;
  }
}
