package dev.spinal.core.backbones;

import dev.spinal.core.GraphContext;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.family.TFloating;

/**
 * Images to a feature vector: input {@code [batch, H, W, C]} ({@link #imageShape()} gives
 * {@code [H, W, C]}), output {@code [batch, featureSize()]}. A head is sized from
 * {@link #featureSize()}.
 */
public interface Backbone {

  /** {@code [H, W, C]} of the images this backbone reads. */
  Shape imageShape();

  /** Length of the feature vector per image. */
  long featureSize();

  /**
   * Adds the backbone to {@code ctx}'s graph.
   *
   * @param images {@code [batch, H, W, C]} with static H, W, C equal to {@link #imageShape()}
   * @throws IllegalArgumentException when the image shape does not match, before adding anything
   */
  <T extends TFloating> Operand<T> build(GraphContext ctx, Operand<T> images);

  /** Trainable parameters. */
  long parameterCount();

  /** Forward FLOPs per image (multiply-add = 2; convolutions and matrix products only). */
  long flopsPerExample();

  /** A short name for tables and logs. */
  String name();

  /** Fails unless {@code images} is {@code [batch, H, W, C]} with this backbone's H, W, C. */
  default void checkImages(Operand<?> images) {
    Shape shape = images.shape();
    Shape expected = imageShape();
    boolean ok = shape.numDimensions() == 4;
    for (int i = 0; ok && i < 3; i++) {
      ok = shape.get(i + 1) == expected.get(i);
    }
    if (!ok) {
      throw new IllegalArgumentException(
          String.format(
              "%s expects images of shape [batch, %d, %d, %d], got %s",
              name(), expected.get(0), expected.get(1), expected.get(2), shape));
    }
  }
}
