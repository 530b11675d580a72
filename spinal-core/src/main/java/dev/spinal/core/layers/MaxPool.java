package dev.spinal.core.layers;

import org.tensorflow.Operand;
import org.tensorflow.OperationBuilder;
import org.tensorflow.op.Ops;
import org.tensorflow.op.Scope;
import org.tensorflow.types.family.TNumber;

/**
 * 2x2 max-pool with stride 2 and "valid" padding, PyTorch's {@code MaxPool2d(2, 2)}: input
 * {@code [batch, h, w, c]}, output {@code [batch, floor(h/2), floor(w/2), c]}.
 *
 * <p>Built as TF's {@code MaxPool} op (window and strides as attributes), not the
 * {@code MaxPoolV2} that TF Java's {@code tf.nn.maxPool} makes (window and strides as tensor inputs):
 * TF's oneDNN graph rewrite replaces {@code MaxPool} and its gradient with oneDNN kernels but leaves
 * {@code MaxPoolV2} on the slower Eigen kernels (BENCHMARKS.md). Both have C++ gradients.
 */
public final class MaxPool {

  private static final long[] WINDOW = {1, 2, 2, 1};

  private MaxPool() {}

  public static <T extends TNumber> Operand<T> twoByTwo(Ops tf, Operand<T> x) {
    Scope scope = tf.scope();
    OperationBuilder op = scope.opBuilder("MaxPool", "MaxPool");
    op.addInput(x.asOutput());
    op.setAttr("ksize", WINDOW);
    op.setAttr("strides", WINDOW);
    op.setAttr("padding", "VALID");
    return op.build().output(0);
  }

  /** Output size along one axis. */
  public static long outputSize(long size) {
    return size / 2;
  }
}
