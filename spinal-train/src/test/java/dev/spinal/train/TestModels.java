package dev.spinal.train;

import dev.spinal.core.GraphContext;
import dev.spinal.core.backbones.Backbone;
import dev.spinal.core.backbones.FlattenBackbone;
import dev.spinal.core.heads.HeadKind;
import dev.spinal.core.heads.HeadSpec;
import dev.spinal.core.model.Model;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.family.TFloating;

/** Small models on Fashion-MNIST's 28x28 pixels for tests that need a model to train, not a good one. */
final class TestModels {
  private TestModels() {}

  /** A progressive head of width 16, depth 2 on the pixels, no dropout: trains in seconds. */
  static Model pixelsProgressive() {
    FlattenBackbone backbone = new FlattenBackbone(28, 28, 1);
    return Model.builder()
        .backbone(backbone)
        .head(HeadKind.PROGRESSIVE.create(HeadSpec.builder().inputSize(backbone.featureSize()).width(16).depth(2)
            .classes(10).dropout(0).batchNorm(false).build()))
        .normalization(new float[] {0.2860f}, new float[] {0.3530f})
        .build();
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
