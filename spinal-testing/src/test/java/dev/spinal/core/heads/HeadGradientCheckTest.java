package dev.spinal.core.heads;

import static dev.spinal.testing.SpinalAssertions.assertThat;

import dev.spinal.core.check.GradientCheck;
import dev.spinal.core.layers.Activation;
import dev.spinal.core.losses.CrossEntropy;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tensorflow.ndarray.Shape;

/**
 * Whole heads, through the loss, at small sizes in float64: the symbolic gradient of every weight,
 * bias, batch-norm parameter and of the features agrees with finite differences.
 */
class HeadGradientCheckTest {

  @ParameterizedTest(name = "{0} batchNorm={1} {2}")
  @CsvSource({
    "PROGRESSIVE, false, RELU",
    "PROGRESSIVE, true, RELU",
    "PROGRESSIVE, false, TANH",
    "SPINAL, false, RELU",
    "SPINAL, true, RELU",
    "DENSE, false, RELU",
    "DENSE, true, SIGMOID",
  })
  void headGradientsMatchFiniteDifferences(HeadKind kind, boolean batchNorm, Activation act) {
    HeadSpec spec =
        HeadSpec.builder()
            .inputSize(7)
            .width(4)
            .depth(3)
            .classes(3)
            .dropout(0) // random masks would change between finite-difference runs
            .batchNorm(batchNorm)
            .activation(act)
            .build();
    Head head = kind.create(spec);
    GradientCheck.Report report =
        GradientCheck.float64(
                (ctx, in) ->
                    CrossEntropy.mean(
                        ctx.tf(),
                        ctx.tf().constant(new int[] {0, 2, 1, 1, 0, 2}),
                        head.build(ctx, in.get(0)).logits()))
            .input("features", Shape.of(6, 7))
            .run();
    System.out.print(kind + "\n" + report.table());
    // kernel + bias per layer (+ gamma, beta with batch norm), and the output layer
    assertThat(report)
        .entries()
        .filteredOn(e -> e.kind().equals("variable") && !e.name().contains("moving"))
        .hasSize(3 * (batchNorm ? 4 : 2) + 2);
    assertThat(report).maxGradientOf("features").isGreaterThan(1e-4);
    assertThat(report).allRelativeErrorsBelow(1e-6);
  }

  /** Dropout masks are a function of (seed, step), so a head with dropout checks in training mode. */
  @ParameterizedTest
  @org.junit.jupiter.params.provider.EnumSource(HeadKind.class)
  void headsWithDropoutCheckInTrainingMode(HeadKind kind) {
    HeadSpec spec = HeadSpec.builder().inputSize(6).width(4).depth(3).classes(3).dropout(0.4).build();
    GradientCheck.Report report =
        GradientCheck.float64(
                (ctx, in) ->
                    CrossEntropy.mean(
                        ctx.tf(),
                        ctx.tf().constant(new int[] {0, 2, 1, 1}),
                        kind.create(spec).build(ctx, in.get(0)).logits()))
            .input("features", Shape.of(4, 6))
            .run();
    assertThat(report).maxGradientOf("features").isGreaterThan(1e-4);
    assertThat(report).allRelativeErrorsBelow(1e-6);
  }
}
