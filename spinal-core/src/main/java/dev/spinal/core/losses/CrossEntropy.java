package dev.spinal.core.losses;

import dev.spinal.core.gradients.MissingGradients;
import org.tensorflow.Operand;
import org.tensorflow.framework.losses.SparseCategoricalCrossentropy;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.family.TFloating;

/**
 * Softmax cross-entropy from integer labels, averaged over the batch: PyTorch's
 * {@code F.cross_entropy} / {@code nll_loss(log_softmax)}. It is the TF Java framework's
 * {@link SparseCategoricalCrossentropy} (from logits), trainable because
 * {@link MissingGradients#register()} supplies the gradient TF Java lacks.
 */
public final class CrossEntropy {

  private static final SparseCategoricalCrossentropy LOSS = new SparseCategoricalCrossentropy(true);

  private CrossEntropy() {}

  /**
   * @param labels {@code [batch]}, values in {@code [0, classes)}
   * @param logits {@code [batch, classes]}
   * @return scalar mean loss
   */
  public static <T extends TFloating> Operand<T> mean(
      Ops tf, Operand<TInt32> labels, Operand<T> logits) {
    MissingGradients.register();
    return LOSS.call(tf, labels, logits);
  }
}
