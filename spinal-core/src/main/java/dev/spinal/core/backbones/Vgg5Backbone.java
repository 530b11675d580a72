package dev.spinal.core.backbones;

import dev.spinal.core.GraphContext;
import dev.spinal.core.layers.Conv2dBnRelu;
import dev.spinal.core.layers.MaxPool;
import dev.spinal.core.layers.WeightInit;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.family.TFloating;

/**
 * The paper's "VGG-5" for 28x28 grey images: four blocks of 3x3 conv + batch norm + ReLU followed by
 * a 2x2 max-pool,
 *
 * <pre>
 * two_conv_pool   1 -> 64 -> 64      28x28 -> 14x14
 * two_conv_pool  64 -> 128 -> 128    14x14 -> 7x7
 * three_conv_pool 128 -> 256 x3       7x7  -> 3x3
 * three_conv_pool 256 -> 256 x3       3x3  -> 1x1
 * </pre>
 *
 * then flattened: input {@code [batch, 28, 28, 1]}, output {@code [batch, 256]}. Conv weights start
 * as in the scripts, normal(0, sqrt(2 / (3*3*out_channels))); batch norm scale 1, offset 0.
 */
public final class Vgg5Backbone implements Backbone {

  /** Output channels of each conv, block by block. */
  private static final List<long[]> BLOCKS =
      List.of(
          new long[] {64, 64},
          new long[] {128, 128},
          new long[] {256, 256, 256},
          new long[] {256, 256, 256});

  private final Shape imageShape;

  /** The paper's configuration: 28x28x1 images. */
  public Vgg5Backbone() {
    this(28, 28, 1);
  }

  /** VGG-5 on other image sizes (features are 256 x the spatial size left after four pools). */
  public Vgg5Backbone(long height, long width, long channels) {
    if (spatialAfterPools(height) < 1 || spatialAfterPools(width) < 1 || channels < 1) {
      throw new IllegalArgumentException(
          String.format(
              "Vgg5Backbone needs images of at least 16x16 with >= 1 channel, got %dx%dx%d",
              height, width, channels));
    }
    this.imageShape = Shape.of(height, width, channels);
  }

  private static long spatialAfterPools(long size) {
    for (int i = 0; i < BLOCKS.size(); i++) {
      size = MaxPool.outputSize(size);
    }
    return size;
  }

  @Override
  public Shape imageShape() {
    return imageShape;
  }

  @Override
  public long featureSize() {
    return 256 * spatialAfterPools(imageShape.get(0)) * spatialAfterPools(imageShape.get(1));
  }

  @Override
  public <T extends TFloating> Operand<T> build(GraphContext ctx, Operand<T> images) {
    checkImages(images);
    GraphContext vgg = ctx.withSubScope("vgg5");
    Operand<T> x = images;
    long in = imageShape.get(2);
    for (int b = 0; b < BLOCKS.size(); b++) {
      long[] outs = BLOCKS.get(b);
      for (int c = 0; c < outs.length; c++) {
        GraphContext convCtx = vgg.withSubScope("block" + (b + 1) + "_conv" + (c + 1));
        x = Conv2dBnRelu.create(convCtx, in, outs[c], WeightInit.VGG_CONV, images.type()).call(x);
        in = outs[c];
      }
      x = MaxPool.twoByTwo(vgg.tf(), x);
    }
    return vgg.tf()
        .withName("features")
        .reshape(x, vgg.tf().constant(new long[] {-1, featureSize()}));
  }

  @Override
  public long parameterCount() {
    long total = 0;
    long in = imageShape.get(2);
    for (long[] outs : BLOCKS) {
      for (long out : outs) {
        total += 9 * in * out + out + 2 * out; // kernel, bias, batch-norm scale and offset
        in = out;
      }
    }
    return total;
  }

  @Override
  public long flopsPerExample() {
    long total = 0;
    long in = imageShape.get(2);
    long h = imageShape.get(0);
    long w = imageShape.get(1);
    for (long[] outs : BLOCKS) {
      for (long out : outs) {
        total += 2L * h * w * 9 * in * out;
        in = out;
      }
      h = MaxPool.outputSize(h);
      w = MaxPool.outputSize(w);
    }
    return total;
  }

  @Override
  public String name() {
    return "vgg5";
  }
}
