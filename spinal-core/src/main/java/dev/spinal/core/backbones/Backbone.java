package dev.spinal.core.backbones;

import dev.spinal.core.GraphContext;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.family.TFloating;

/**
 * Images to a feature vector: input {@code [batch, H, W, C]} ({@link #imageShape()} gives
 * {@code [H, W, C]}), output {@code [batch, featureSize()]}. A head is sized from
 * {@link #featureSize()}.
 *
 * <p>A model is built in three steps that every backbone takes part in: {@link #createInput} makes
 * the image input, the model normalizes it unless {@link #preprocessesItself()}, then {@link #build}
 * computes the features; once a session has initialized the graph's variables,
 * {@link #initialize(Session)} lets a backbone that brings trained weights load them. A backbone
 * built in the graph ({@link Vgg5Backbone}, {@link FlattenBackbone}, a user's own) needs only
 * {@link #build}; a backbone imported from a file overrides the rest.
 */
public interface Backbone {

  /** {@code [H, W, C]} of the images this backbone reads. */
  Shape imageShape();

  /** Length of the feature vector per image. */
  long featureSize();

  /**
   * Creates the model's image input in {@code ctx}'s graph: float32 {@code [-1, H, W, C]} named
   * {@code name}, pixels / 255. The default is a placeholder of {@link #imageShape()}. A backbone
   * imported from a SavedModel brings its own input (TF Java cannot rewire an imported graph's input
   * to an existing tensor) and returns that one.
   */
  default Placeholder<TFloat32> createInput(GraphContext ctx, String name) {
    Shape hwc = imageShape();
    return ctx.tf().withName(name).placeholder(TFloat32.class,
        Placeholder.shape(Shape.of(-1, hwc.get(0), hwc.get(1), hwc.get(2))));
  }

  /**
   * True when {@link #build} applies the backbone's own preprocessing to the pixels / 255 of
   * {@link #createInput} (a Keras backbone's scaling): the model then leaves out the dataset's
   * mean/std normalization. False by default.
   */
  default boolean preprocessesItself() {
    return false;
  }

  /**
   * Runs once a session on a graph this backbone was built into has initialized its variables: a
   * backbone that brings trained weights copies them in here (a checkpoint restored later overrides
   * them). Nothing by default.
   */
  default void initialize(Session session) {}

  /**
   * True when the backbone's weights are not trained: a trainer may then compute each image's
   * features once and train the head on them. False by default (the backbone trains with the head).
   */
  default boolean frozen() {
    return false;
  }

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
