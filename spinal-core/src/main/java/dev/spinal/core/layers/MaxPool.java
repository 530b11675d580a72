package dev.spinal.core.layers;

import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.family.TNumber;

/**
 * 2x2 max-pool with stride 2 and "valid" padding, PyTorch's {@code MaxPool2d(2, 2)}: input
 * {@code [batch, h, w, c]}, output {@code [batch, floor(h/2), floor(w/2), c]}.
 */
public final class MaxPool {

  private MaxPool() {}

  public static <T extends TNumber> Operand<T> twoByTwo(Ops tf, Operand<T> x) {
    return tf.nn.maxPool(
        x,
        tf.constant(new int[] {1, 2, 2, 1}),
        tf.constant(new int[] {1, 2, 2, 1}),
        "VALID");
  }

  /** Output size along one axis. */
  public static long outputSize(long size) {
    return size / 2;
  }
}
