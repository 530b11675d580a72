package dev.spinal.testing;

import static dev.spinal.testing.Format.bound;
import static dev.spinal.testing.Format.measured;

import dev.spinal.core.check.GradientFlow;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import org.assertj.core.api.AbstractAssert;

/**
 * Assertions over a {@link GradientFlow.Report}: per dense layer, input layer first and output
 * layer last, the Frobenius norm {@code ||dL/dW||_2} of the loss's gradient with respect to the
 * layer's kernel on one batch. Ratios of these norms are how vanishing (or exploding) gradients and
 * the paper's "gradient highway" are measured.
 *
 * <pre>{@code
 * assertThat(flow).allNormsFinite().noLayerBelow(1e-8);
 * assertThat(flow).ratio("layer1", "layer4").isBetween(0.1, 10);
 * assertThat(flow).firstOverLastHidden().isGreaterThan(0.1);
 * }</pre>
 *
 * <p>Layers are named by their kernel variable ({@code progressive_spinal_head/layer1/kernel}); a
 * name also matches as whole {@code /}-separated segments ({@code layer1} finds that kernel, and
 * never {@code layer10}'s). Failure messages name the layer, the measured norm and the bound; unknown
 * names fail with the list of the report's layers. Get one with
 * {@link SpinalAssertions#assertThat(GradientFlow.Report)}.
 */
public class GradientFlowAssert extends AbstractAssert<GradientFlowAssert, GradientFlow.Report> {

  /** Prefer {@link SpinalAssertions#assertThat(GradientFlow.Report)}. */
  public GradientFlowAssert(GradientFlow.Report actual) {
    super(actual, GradientFlowAssert.class);
  }

  /**
   * The ratio {@code ||dL/dW_first|| / ||dL/dW_last||} of two layers' kernel-gradient norms, for any
   * double assertion: {@code ratio("layer1", "layer4").isBetween(0.1, 10.0)}. Each name must match
   * exactly one layer. The assertion's description names both layers and their norms.
   */
  public MeasuredValueAssert ratio(String first, String last) {
    GradientFlow.LayerNorm a = layerNorm(first);
    GradientFlow.LayerNorm b = layerNorm(last);
    return ratioAssert(a, b);
  }

  /**
   * The ratio of the first hidden layer's kernel-gradient norm to the last hidden layer's (the
   * report's output layer, last, is left out), as {@link GradientFlow.Report#firstOverLastHidden()}.
   * Near 1: the first layer learns as fast as the last; orders of magnitude below 1: a vanishing
   * gradient. Needs at least two layers.
   */
  public MeasuredValueAssert firstOverLastHidden() {
    isNotNull();
    List<GradientFlow.LayerNorm> layers = actual.layers();
    if (layers.size() < 2) {
      failWith(
          String.format(
              "gradient flow: first over last hidden layer needs a hidden and an output layer, the"
                  + " report has %d: %s",
              layers.size(), String.join(", ", names())));
    }
    return ratioAssert(layers.get(0), layers.get(layers.size() - 2));
  }

  /**
   * The kernel-gradient norm {@code ||dL/dW||_2} of one layer, for any double assertion:
   * {@code layer("output").isGreaterThan(0)}. The name must match exactly one layer.
   */
  public MeasuredValueAssert layer(String name) {
    GradientFlow.LayerNorm l = layerNorm(name);
    return describe(new MeasuredValueAssert(l.norm()), "||dL/dW|| of " + l.layer());
  }

  /** Verifies that the report has exactly {@code count} layers (hidden layers plus the output layer). */
  public GradientFlowAssert hasLayerCount(int count) {
    isNotNull();
    if (actual.layers().size() != count) {
      failWith(
          String.format(
              "gradient flow: expected %d layers, the report has %d: %s",
              count, actual.layers().size(), String.join(", ", names())));
    }
    return this;
  }

  /**
   * Verifies that the report has layers and that every layer's kernel-gradient norm is finite (no
   * NaN, no infinity: no overflow or 0/0 in the backward pass). The message names each offender.
   */
  public GradientFlowAssert allNormsFinite() {
    hasLayers();
    List<GradientFlow.LayerNorm> bad =
        actual.layers().stream().filter(l -> !Double.isFinite(l.norm())).toList();
    if (!bad.isEmpty()) {
      failWith(
          String.format(
              "gradient flow: ||dL/dW|| of %s is %s, expected finite (%d of %d layers not finite: %s)",
              bad.get(0).layer(),
              measured(bad.get(0).norm()),
              bad.size(),
              actual.layers().size(),
              list(bad)));
    }
    return this;
  }

  /**
   * The vanishing-gradient check: verifies that the report has layers and that every layer's
   * kernel-gradient norm is at least {@code bound} (a NaN norm fails). The message names the
   * smallest offender, e.g. {@code gradient flow: ||dL/dW|| of dense_head/layer1/kernel is 3.20e-9,
   * expected at least 1.0e-6: a vanishing gradient (2 of 17 layers below; ...)}.
   */
  public GradientFlowAssert noLayerBelow(double bound) {
    hasLayers();
    List<GradientFlow.LayerNorm> below =
        actual.layers().stream().filter(l -> !(l.norm() >= bound)).toList();
    if (!below.isEmpty()) {
      GradientFlow.LayerNorm worst =
          below.stream()
              .min(Comparator.comparingDouble(l -> Double.isNaN(l.norm()) ? Double.NEGATIVE_INFINITY : l.norm()))
              .orElseThrow();
      failWith(
          String.format(
              "gradient flow: ||dL/dW|| of %s is %s, expected at least %s: a vanishing gradient (%d of %d"
                  + " layers below: %s)",
              worst.layer(),
              measured(worst.norm(), bound),
              bound(bound),
              below.size(),
              actual.layers().size(),
              list(below)));
    }
    return this;
  }

  private MeasuredValueAssert ratioAssert(GradientFlow.LayerNorm a, GradientFlow.LayerNorm b) {
    return describe(
        new MeasuredValueAssert(a.norm() / b.norm()),
        String.format(
            "||dL/dW|| of %s over %s (%s / %s)", a.layer(), b.layer(), measured(a.norm()), measured(b.norm())));
  }

  private void hasLayers() {
    isNotNull();
    if (actual.layers().isEmpty()) {
      failWith("gradient flow: the report has no layers");
    }
  }

  private GradientFlow.LayerNorm layerNorm(String name) {
    isNotNull();
    String problem = Names.problem(names(), name, "layer");
    if (problem != null) {
      failWith("gradient flow: " + problem);
    }
    return actual.layers().get(Names.matches(names(), name).get(0));
  }

  private List<String> names() {
    return actual.layers().stream().map(GradientFlow.LayerNorm::layer).toList();
  }

  private static String list(List<GradientFlow.LayerNorm> layers) {
    return layers.stream().map(l -> l.layer() + "=" + measured(l.norm())).collect(Collectors.joining(", "));
  }

  private void failWith(String message) {
    failWithMessage("%s", message + System.lineSeparator() + actual.table());
  }

  private <A extends AbstractAssert<?, ?>> A describe(A assertion, String what) {
    String outer = descriptionText();
    String text = "gradient flow: " + what;
    assertion.as(outer == null || outer.isEmpty() ? text : outer + ": " + text);
    return assertion;
  }
}
