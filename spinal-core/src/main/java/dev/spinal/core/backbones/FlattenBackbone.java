package dev.spinal.core.backbones;

import static com.google.common.base.Preconditions.checkArgument;

import dev.spinal.core.GraphContext;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.family.TFloating;

/**
 * No feature extractor: the image's pixels, flattened, are the features ({@code [batch, H, W, C]} to
 * {@code [batch, H*W*C]}). The paper's "FC only" MNIST row puts the head directly on the pixels.
 */
public final class FlattenBackbone implements Backbone {

  private final Shape imageShape;

  /** @param height image height, @param width image width, @param channels image channels */
  public FlattenBackbone(long height, long width, long channels) {
    checkArgument(height > 0 && width > 0 && channels > 0, "image dimensions must be > 0");
    this.imageShape = Shape.of(height, width, channels);
  }

  @Override
  public Shape imageShape() {
    return imageShape;
  }

  @Override
  public long featureSize() {
    return imageShape.size();
  }

  @Override
  public <T extends TFloating> Operand<T> build(GraphContext ctx, Operand<T> images) {
    checkImages(images);
    return ctx.tf()
        .withName("flatten")
        .reshape(images, ctx.tf().constant(new long[] {-1, featureSize()}));
  }

  @Override
  public long parameterCount() {
    return 0;
  }

  @Override
  public long flopsPerExample() {
    return 0;
  }

  @Override
  public String name() {
    return "flatten";
  }
}
