package dev.spinal.core.heads;

import dev.spinal.core.GraphContext;
import org.tensorflow.Operand;
import org.tensorflow.types.family.TFloating;

/**
 * A classifier head: features {@code [batch, spec().inputSize()]} to logits
 * {@code [batch, spec().classes()]}. A head is a recipe; {@link #build} adds its variables and ops to
 * a graph and returns what it made.
 */
public interface Head {

  HeadSpec spec();

  /** The kind of head, for tables and CLI names. */
  HeadKind kind();

  /**
   * Adds this head to {@code ctx}'s graph, reading {@code features}.
   *
   * @param features {@code [batch, inputSize]}, static size on the last axis
   * @throws IllegalArgumentException if {@code features} is not rank 2 with last axis
   *     {@code spec().inputSize()}; nothing is added to the graph then
   */
  <T extends TFloating> BuiltHead<T> build(GraphContext ctx, Operand<T> features);

  /** Trainable parameters: weights, biases and batch-norm scale/offset. */
  long parameterCount();

  /** Forward FLOPs per example, a multiply-add counted as 2 (matrix products only). */
  long flopsPerExample();
}
