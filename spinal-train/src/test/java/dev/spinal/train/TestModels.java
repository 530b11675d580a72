package dev.spinal.train;

import dev.spinal.core.GraphContext;
import dev.spinal.core.backbones.Backbone;
import dev.spinal.core.backbones.FlattenBackbone;
import dev.spinal.core.heads.HeadKind;
import dev.spinal.core.heads.HeadSpec;
import dev.spinal.core.model.Model;
import java.util.Random;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.family.TFloating;

/** Small models on Fashion-MNIST's 28x28 pixels for tests that need a model to train, not a good one. */
final class TestModels {
  private TestModels() {}

  /** A progressive head of width 16, depth 2 on the pixels, no dropout: trains in seconds. */
  static Model pixelsProgressive() {
    return progressive(new FlattenBackbone(28, 28, 1), 16, 10, 0, false, 0.2860f, 0.3530f);
  }

  /**
   * A progressive head of depth 2 on {@code backbone}, with the normalization {@code (x - mean) / std} of a
   * one-channel image: the one shape of every test model here.
   */
  static Model progressive(Backbone backbone, long width, int classes, double dropout, boolean batchNorm,
      float mean, float std) {
    return Model.builder()
        .backbone(backbone)
        .head(HeadKind.PROGRESSIVE.create(HeadSpec.builder().inputSize(backbone.featureSize()).width(width).depth(2)
            .classes(classes).dropout(dropout).batchNorm(batchNorm).build()))
        .normalization(new float[] {mean}, new float[] {std})
        .build();
  }

  /**
   * A progressive head of width 8, depth 2 on 6x6 pixels, four classes, no dropout: for tests that follow single
   * training steps ({@link #tinyImages}, {@link #tinyLabels}).
   */
  static Model tinyProgressive(boolean batchNorm) {
    return progressive(new FlattenBackbone(6, 6, 1), 8, 4, 0, batchNorm, 0.5f, 0.5f);
  }

  /** A batch of 8 random 6x6 images for {@link #tinyProgressive}, the same for the same seed. */
  static TFloat32 tinyImages(int seed) {
    Random random = new Random(seed);
    float[] pixels = new float[8 * 36];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = random.nextFloat();
    }
    return TrainingGraph.imagesTensor(pixels, 8, Shape.of(6, 6, 1));
  }

  /** The labels of {@link #tinyImages}: each of the four classes twice. */
  static TInt32 tinyLabels() {
    return TInt32.tensorOf(Shape.of(8), DataBuffers.of(new int[] {0, 1, 2, 3, 0, 1, 2, 3}, true, false));
  }

  /** A one-layer dense head on {@link FrozenPixels}: a model whose trainer caches features. */
  static Model frozenPixelsDense() {
    FlattenBackbone pixels = new FlattenBackbone(28, 28, 1);
    return Model.builder()
        .backbone(new FrozenPixels(pixels))
        .head(HeadKind.DENSE.create(HeadSpec.builder().inputSize(pixels.featureSize()).width(8).depth(1).classes(10)
            .build()))
        .build();
  }

  /** The pixels as features, declared frozen: the trainer then caches features instead of feeding images. */
  record FrozenPixels(FlattenBackbone pixels) implements Backbone {
    @Override
    public Shape imageShape() {
      return pixels.imageShape();
    }

    @Override
    public long featureSize() {
      return pixels.featureSize();
    }

    @Override
    public boolean frozen() {
      return true;
    }

    @Override
    public <T extends TFloating> Operand<T> build(GraphContext ctx, Operand<T> images) {
      return pixels.build(ctx, images);
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
      return "frozen pixels";
    }
  }
}
