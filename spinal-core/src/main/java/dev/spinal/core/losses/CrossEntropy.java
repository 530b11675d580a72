package dev.spinal.core.losses;

import dev.spinal.core.gradients.MissingGradients;
import com.google.common.base.Preconditions;
import org.tensorflow.Operand;
import org.tensorflow.framework.losses.CategoricalCrossentropy;
import org.tensorflow.framework.losses.SparseCategoricalCrossentropy;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.family.TFloating;

/**
 * Softmax cross-entropy from integer labels, averaged over the batch: PyTorch's
 * {@code F.cross_entropy} / {@code nll_loss(log_softmax)}. It is the TF Java framework's
 * {@link SparseCategoricalCrossentropy} (from logits), trainable because
 * {@link MissingGradients#register()} supplies the gradient TF Java lacks. {@link #smoothed} is the same with
 * label smoothing, PyTorch's {@code cross_entropy(label_smoothing=e)}.
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

  /**
   * Cross-entropy to smoothed targets, {@code (1 - epsilon) * onehot + epsilon / classes} (Szegedy et al. 2016;
   * PyTorch's {@code label_smoothing}): the TF Java framework's {@link CategoricalCrossentropy} on one-hot labels.
   * Equal to {@code (1 - epsilon) * mean(labels, logits) + epsilon * } the mean cross-entropy to the uniform
   * distribution. {@code epsilon} 0 is {@link #mean}.
   *
   * @param labels {@code [batch]}, values in {@code [0, classes)}
   * @param logits {@code [batch, classes]}, {@code classes} known statically
   * @param epsilon in {@code [0, 1)}
   */
  public static <T extends TFloating> Operand<T> smoothed(
      Ops tf, Operand<TInt32> labels, Operand<T> logits, double epsilon) {
    Preconditions.checkArgument(epsilon >= 0 && epsilon < 1, "label smoothing must be in [0, 1), got %s", epsilon);
    if (epsilon == 0) {
      return mean(tf, labels, logits);
    }
    long classes = logits.shape().get(logits.shape().numDimensions() - 1);
    Preconditions.checkArgument(classes > 0, "label smoothing needs the number of classes in the logits' static"
        + " shape, got %s", logits.shape());
    Operand<T> oneHot = tf.oneHot(labels, tf.constant((int) classes),
        tf.dtypes.cast(tf.constant(1f), logits.type()), tf.dtypes.cast(tf.constant(0f), logits.type()));
    return new CategoricalCrossentropy(true, (float) epsilon).call(tf, oneHot, logits);
  }
}
