package dev.spinal.core.check;

import static dev.spinal.testing.SpinalAssertions.assertThat;
import static dev.spinal.testing.SpinalAssertions.assertThatThrownBy;

import dev.spinal.core.GraphContext;
import dev.spinal.core.layers.Activation;
import dev.spinal.core.layers.BatchNorm;
import dev.spinal.core.layers.Dropout;
import dev.spinal.core.losses.CrossEntropy;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.AssertThat;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;

/**
 * Symbolic vs finite-difference gradients of every op type a Spinal training graph contains. float64
 * checks must agree to {@value #FLOAT64_TOLERANCE} relative error; the one float32 check (TF has no
 * float64 fused batch-norm kernel) to {@value #FLOAT32_TOLERANCE}. {@link #wrongGradientIsCaught()}
 * shows a 1% gradient error fails these tolerances.
 */
class OpGradientCheckTest {

  static final double FLOAT64_TOLERANCE = 1e-6;
  static final double FLOAT32_TOLERANCE = 2e-3;

  private static void assertPasses(GradientCheck.Report report) {
    System.out.print(report.table());
    assertThat(report).allRelativeErrorsBelow(FLOAT64_TOLERANCE);
  }

  @Test
  void matMul() {
    assertPasses(
        GradientCheck.float64((ctx, in) -> ctx.tf().linalg.matMul(in.get(0), in.get(1)))
            .input("a", Shape.of(3, 4))
            .input("b", Shape.of(4, 2))
            .run());
  }

  @Test
  void biasAdd() {
    assertPasses(
        GradientCheck.float64((ctx, in) -> ctx.tf().nn.biasAdd(in.get(0), in.get(1)))
            .input("x", Shape.of(3, 4))
            .input("b", Shape.of(4))
            .run());
  }

  @Test
  void concatV2() {
    assertPasses(
        GradientCheck.float64(
                (ctx, in) -> ctx.tf().concat(List.of(in.get(0), in.get(1), in.get(2)), ctx.tf().constant(1)))
            .input("a", Shape.of(2, 3))
            .input("b", Shape.of(2, 1))
            .input("c", Shape.of(2, 2))
            .run());
  }

  @ParameterizedTest
  @EnumSource(Activation.class)
  void activations(Activation activation) {
    GradientCheck.Report report =
        GradientCheck.float64((ctx, in) -> activation.apply(ctx.tf(), in.get(0)))
            .input("x", Shape.of(4, 5))
            .run();
    assertPasses(report);
    assertThat(report).maxGradientOf("x").isGreaterThan(0.1);
  }

  @Test
  void conv2d() {
    assertPasses(
        GradientCheck.float64(
                (ctx, in) -> ctx.tf().nn.conv2d(in.get(0), in.get(1), List.of(1L, 1L, 1L, 1L), "SAME"))
            .input("images", Shape.of(2, 5, 5, 2))
            .input("kernel", Shape.of(3, 3, 2, 3))
            .run());
  }

  /** TF's C++ registry has no gradient for this op: Spinal registers one (MissingGradients). */
  @Test
  void depthwiseConvStrideOneSame() {
    assertPasses(
        GradientCheck.float64(
                (ctx, in) -> ctx.tf().nn.depthwiseConv2dNative(in.get(0), in.get(1), List.of(1L, 1L, 1L, 1L),
                    "SAME"))
            .input("images", Shape.of(2, 5, 5, 3))
            .input("kernel", Shape.of(3, 3, 3, 2))
            .run());
  }

  /** Stride 2 and VALID padding, as MobileNet's and EfficientNet's downsampling blocks (after a Pad). */
  @Test
  void depthwiseConvStrideTwoValidAfterPad() {
    assertPasses(
        GradientCheck.float64(
                (ctx, in) -> {
                  Ops tf = ctx.tf();
                  // Keras' ZeroPadding2D is TF's "Pad" op, which TF Java has no wrapper for (its Pad is PadV2)
                  Operand<TFloat64> padded = ((Graph) tf.scope().env()).opBuilder("Pad", "keras_pad", tf.scope())
                      .addInput(in.get(0).asOutput())
                      .addInput(tf.constant(new int[][] {{0, 0}, {0, 1}, {0, 1}, {0, 0}}).asOutput())
                      .build().output(0);
                  return tf.nn.depthwiseConv2dNative(padded, in.get(1), List.of(1L, 2L, 2L, 1L), "VALID");
                })
            .input("images", Shape.of(2, 6, 6, 4))
            .input("kernel", Shape.of(3, 3, 4, 1))
            .run());
  }

  /**
   * The other ops of a Keras inference forward pass (MobileNetV2, EfficientNet-Lite): batch norm
   * folded into {@code Rsqrt}/{@code Mul}/{@code Sub}/{@code AddV2}, {@code Relu6}, and the global
   * average pool's {@code Mean}.
   */
  @Test
  void kerasInferenceOps() {
    assertPasses(
        GradientCheck.float64(
                (ctx, in) -> {
                  Ops tf = ctx.tf();
                  Operand<TFloat64> var = tf.math.add(tf.math.square(in.get(1)), tf.constant(0.5));
                  Operand<TFloat64> scale = tf.math.rsqrt(var);
                  Operand<TFloat64> y = tf.math.add(tf.math.mul(tf.math.sub(in.get(0), in.get(2)), scale), in.get(2));
                  Operand<TFloat64> relu6 = tf.nn.relu6(tf.math.mul(y, tf.constant(3.0)));
                  return tf.math.mean(relu6, tf.constant(new int[] {1, 2}));
                })
            .input("x", Shape.of(2, 3, 3, 4))
            .input("variance", Shape.of(4))
            .input("mean", Shape.of(4))
            .run());
  }

  @Test
  void maxPool() {
    assertPasses(
        GradientCheck.float64(
                (ctx, in) -> dev.spinal.core.layers.MaxPool.twoByTwo(ctx.tf(), in.get(0)))
            .input("x", Shape.of(2, 5, 5, 3))
            .run());
  }

  @Test
  void reshapeAndSlice() {
    assertPasses(
        GradientCheck.float64(
                (ctx, in) -> {
                  Ops tf = ctx.tf();
                  Operand<TFloat64> flat = tf.reshape(in.get(0), tf.constant(new long[] {-1, 12}));
                  return tf.slice(flat, tf.constant(new int[] {0, 3}), tf.constant(new int[] {-1, 5}));
                })
            .input("x", Shape.of(2, 2, 2, 3))
            .run());
  }

  /**
   * The real {@link Dropout#call} at rate 0.25, as a head builds it, guarded in the graph: every run
   * of the subgraph (every finite-difference evaluation included) fails unless the mask it applied
   * dropped some units and kept others. The input is standard normal, never exactly 0, so an output
   * element is 0 exactly where the mask dropped it.
   */
  static Operand<TFloat64> dropoutThatMustDrop(GraphContext ctx, Operand<TFloat64> x) {
    Ops tf = ctx.tf();
    Operand<TFloat64> y = Dropout.of(0.25).call(ctx, x);
    Operand<TInt32> all = tf.constant(new int[] {0, 1});
    Operand<TBool> dropped = tf.math.equal(y, tf.zerosLike(y));
    Operand<TBool> droppedSomeKeptSome =
        tf.math.logicalAnd(tf.reduceAny(dropped, all), tf.reduceAny(tf.math.logicalNot(dropped), all));
    AssertThat guard =
        tf.assertThat(droppedSomeKeptSome, List.of(tf.constant("dropout mask is all ones or all zeros")));
    return tf.withControlDependencies(List.of(guard)).identity(y);
  }

  /**
   * {@link Dropout#call} in a training step: the check's graph is switched with {@code training}
   * fed true and {@code step} left at 0, so the stateless mask is the same in every
   * finite-difference run, and the guard proves it drops units.
   */
  @Test
  void dropoutLayerInATrainingStep() {
    GradientCheck.Report report =
        GradientCheck.float64((ctx, in) -> dropoutThatMustDrop(ctx, in.get(0)))
            .input("x", Shape.of(4, 5))
            .run();
    assertPasses(report);
    assertThat(report).maxGradientOf("x").isGreaterThan(0);
  }

  /** The guard's negative control: with {@code training} off the layer passes x through, and the check fails. */
  @Test
  void dropoutGuardFailsWhenNothingIsDropped() {
    assertThatThrownBy(
            () ->
                GradientCheck.float64((ctx, in) -> dropoutThatMustDrop(ctx, in.get(0)))
                    .input("x", Shape.of(4, 5))
                    .training(false)
                    .run())
        .hasMessageContaining("dropout mask is all ones or all zeros");
  }

  @Test
  void selectOnTrainingSwitch() {
    assertPasses(
        GradientCheck.float64(
                (ctx, in) -> ctx.tf().select(ctx.training(), ctx.tf().math.mul(in.get(0), in.get(0)), in.get(0)))
            .input("x", Shape.of(3, 2))
            .run());
  }

  @Test
  void fusedBatchNormInTrainingMode() {
    GradientCheck.Report report =
        GradientCheck.float32(
                (ctx, in) -> {
                  BatchNorm<TFloat32> bn = BatchNorm.create(ctx, 3, TFloat32.class);
                  Operand<TFloat32> y = bn.call(in.get(0));
                  // scale and offset away from 1/0 so their gradients are not special
                  return ctx.tf().math.mul(y, in.get(1));
                })
            .input("x", Shape.of(4, 3, 3, 3))
            .input("w", Shape.of(3))
            .run();
    System.out.print(report.table());
    assertThat(report)
        .hasEntryFor("x")
        .hasEntryFor("gamma")
        .hasEntryFor("beta")
        .allRelativeErrorsBelow(FLOAT32_TOLERANCE);
  }

  @Test
  void batchNormFloat64TrainingMode() {
    assertPasses(
        GradientCheck.float64(
                (ctx, in) -> ctx.tf().math.mul(BatchNorm.create(ctx, 3, TFloat64.class).call(in.get(0)), in.get(1)))
            .input("x", Shape.of(5, 3))
            .input("w", Shape.of(3))
            .run());
  }

  @Test
  void crossEntropyWithRegisteredGradient() {
    GradientCheck.Report report =
        GradientCheck.float64(
                (ctx, in) -> CrossEntropy.mean(ctx.tf(), ctx.tf().constant(new int[] {2, 0, 1, 2}), in.get(0)))
            .input("logits", Shape.of(4, 3))
            .run();
    assertPasses(report);
    assertThat(report).maxGradientOf("logits").isGreaterThan(0.01);
  }

  @Test
  void wrongGradientIsCaught() {
    // value x^2, but the gradient TF builds is 2.02 x: a 1% error.
    GradientCheck.Report report =
        GradientCheck.float64(
                (ctx, in) -> {
                  Ops tf = ctx.tf();
                  Operand<TFloat64> x = in.get(0);
                  Operand<TFloat64> wrong = tf.math.mul(tf.constant(1.01), tf.math.mul(x, x));
                  return tf.math.add(tf.stopGradient(tf.math.sub(tf.math.mul(x, x), wrong)), wrong);
                })
            .input("x", Shape.of(3, 3))
            .run();
    System.out.print(report.table());
    // caught by both tolerances, the float32 one included
    assertThat(report)
        .worstRelativeErrorAbove(FLOAT32_TOLERANCE)
        .worstRelativeErrorAbove(FLOAT64_TOLERANCE);
    // and by the very assertion every check above makes
    assertThatThrownBy(() -> assertPasses(report))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("relative error of x is");
  }
}
