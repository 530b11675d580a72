package dev.spinal.core.check;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spinal.core.layers.Activation;
import dev.spinal.core.layers.BatchNorm;
import dev.spinal.core.layers.Dropout;
import dev.spinal.core.losses.CrossEntropy;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat64;

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
    assertThat(report.entries()).isNotEmpty();
    assertThat(report.maxRelativeError()).isLessThan(FLOAT64_TOLERANCE);
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
    assertThat(report.entry("x").maxGradient()).isGreaterThan(0.1);
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

  @Test
  void dropoutWithFixedMask() {
    double[] mask = {1, 0, 1, 1, 0, 1, 1, 1, 0, 1, 0, 1};
    GradientCheck.Report report =
        GradientCheck.float64(
                (ctx, in) -> {
                  Ops tf = ctx.tf();
                  Operand<TFloat64> keep = tf.constant(Shape.of(3, 4), org.tensorflow.ndarray.buffer.DataBuffers.of(mask));
                  return Dropout.of(0.25).applyMask(tf, in.get(0), keep);
                })
            .input("x", Shape.of(3, 4))
            .run();
    assertPasses(report);
    // kept elements are scaled by 1 / (1 - 0.25)
    assertThat(report.entry("x").maxGradient()).isGreaterThan(0);
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
                  BatchNorm<org.tensorflow.types.TFloat32> bn =
                      BatchNorm.create(ctx, 3, org.tensorflow.types.TFloat32.class);
                  Operand<org.tensorflow.types.TFloat32> y = bn.call(in.get(0));
                  // scale and offset away from 1/0 so their gradients are not special
                  return ctx.tf().math.mul(y, in.get(1));
                })
            .input("x", Shape.of(4, 3, 3, 3))
            .input("w", Shape.of(3))
            .run();
    System.out.print(report.table());
    assertThat(report.entries()).extracting(GradientCheck.Entry::name).contains("x", "gamma", "beta");
    assertThat(report.maxRelativeError()).isLessThan(FLOAT32_TOLERANCE);
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
    assertThat(report.entry("logits").maxGradient()).isGreaterThan(0.01);
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
    assertThat(report.maxRelativeError()).isGreaterThan(FLOAT32_TOLERANCE).isGreaterThan(FLOAT64_TOLERANCE);
  }
}
