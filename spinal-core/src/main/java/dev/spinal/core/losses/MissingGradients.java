package dev.spinal.core.losses;

import java.util.List;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.TensorFlow;
import org.tensorflow.op.Ops;
import org.tensorflow.types.family.TNumber;

/**
 * Registers, once per process, the gradients TF Java's C++ gradient registry lacks for ops Spinal
 * trains through. Today that is {@code SparseSoftmaxCrossEntropyWithLogits}, the op behind the TF
 * Java framework's {@code SparseCategoricalCrossentropy}: without this, {@code Graph.addGradients}
 * (and so every framework optimizer) throws {@code No gradient defined for op}.
 *
 * <p>Registration is process-wide and TF accepts one per op type, so it happens here and nowhere
 * else; {@link dev.spinal.core.GraphContext#create} calls {@link #register()}.
 */
public final class MissingGradients {

  public static final String SPARSE_SOFTMAX_XENT = "SparseSoftmaxCrossEntropyWithLogits";

  private static boolean registered;

  private MissingGradients() {}

  /** Registers the missing gradients if not done yet in this process. Idempotent, thread-safe. */
  public static synchronized void register() {
    if (registered) {
      return;
    }
    // Returns false when TF already has a gradient for the op (a later TF may ship one): keep it.
    TensorFlow.registerCustomGradient(SPARSE_SOFTMAX_XENT, MissingGradients::sparseSoftmaxXent);
    registered = true;
  }

  /**
   * d loss_b / d logits_bk is the op's second output {@code backprop} (softmax minus one-hot), so the
   * gradient of the logits is {@code upstream_b * backprop_bk}. The labels are integers and not
   * differentiable; TF Java needs a tensor there rather than null, so they get zeros. The
   * second-order term (a gradient flowing into {@code backprop} itself) is not propagated: nothing in
   * Spinal differentiates a gradient.
   */
  private static List<Operand<?>> sparseSoftmaxXent(
      Ops tf, GraphOperation op, List<Output<?>> upstream) {
    return List.of(scaleRows(tf, upstream.get(0), op.output(1)), tf.zerosLike(op.input(1)));
  }

  @SuppressWarnings("unchecked")
  private static <T extends TNumber> Operand<T> scaleRows(
      Ops tf, Output<?> perRow, Output<?> backprop) {
    Operand<T> rows = (Operand<T>) perRow;
    return tf.math.mul(tf.expandDims(rows, tf.constant(-1)), (Operand<T>) backprop);
  }
}
