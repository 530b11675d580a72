package dev.spinal.core.heads;

import dev.spinal.core.GraphContext;
import org.tensorflow.Operand;
import org.tensorflow.types.family.TFloating;

/**
 * A classifier head: features {@code [batch, inputSize()]} to logits {@code [batch, classes()]}. A
 * head is a recipe; {@link #build} adds its variables and ops to a graph and returns what it made.
 *
 * <p>This is the whole contract a user's own head follows to be trained, checkpointed, exported and
 * gradient-checked like the built-in ones ({@link ProgressiveSpinalHead}, {@link SpinalHead},
 * {@link DenseHead}): create variables through {@code ctx} (so that they are trained and saved), name
 * them under a sub-scope ({@link GraphContext#withSubScope}), and build only the behaviour of
 * {@code ctx.mode()} (dropout only in training, for instance).
 */
public interface Head {

  /** Size of the feature vector the head reads. */
  long inputSize();

  /** Number of classes: the width of the logits. */
  int classes();

  /**
   * Adds this head to {@code ctx}'s graph, reading {@code features}.
   *
   * @param features {@code [batch, inputSize]}, static size on the last axis
   * @throws IllegalArgumentException if {@code features} is not rank 2 with last axis
   *     {@link #inputSize()}; nothing is added to the graph then
   */
  <T extends TFloating> BuiltHead<T> build(GraphContext ctx, Operand<T> features);

  /** A short name for tables and logs. */
  default String name() {
    return getClass().getSimpleName();
  }

  /**
   * Trainable parameters (weights, biases, batch-norm scale/offset), or -1 when the head does not
   * know; a built model counts its variables instead.
   */
  default long parameterCount() {
    return -1;
  }

  /** Forward FLOPs per example, a multiply-add counted as 2, or -1 when the head does not know. */
  default long flopsPerExample() {
    return -1;
  }
}
