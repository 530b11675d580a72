package dev.spinal.core.count;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spinal.core.GraphContext;
import dev.spinal.core.backbones.Backbone;
import dev.spinal.core.backbones.FlattenBackbone;
import dev.spinal.core.backbones.Vgg5Backbone;
import dev.spinal.core.heads.Head;
import dev.spinal.core.heads.HeadKind;
import dev.spinal.core.heads.HeadSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tensorflow.Graph;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/** Analytic parameter counts agree with the variables a built graph really holds. */
class ParameterCountTest {

  static long trainableElements(GraphContext ctx) {
    return ctx.trainableVariables().stream().mapToLong(v -> ((Variable<?>) v).shape().size()).sum();
  }

  @ParameterizedTest(name = "{0} batchNorm={1}")
  @CsvSource({"PROGRESSIVE,false", "PROGRESSIVE,true", "SPINAL,false", "SPINAL,true", "DENSE,false", "DENSE,true"})
  void headCountMatchesBuiltGraph(HeadKind kind, boolean batchNorm) {
    Head head =
        kind.create(
            HeadSpec.builder().inputSize(37).width(11).depth(5).classes(7).batchNorm(batchNorm).build());
    try (Graph graph = new Graph()) {
      GraphContext ctx = GraphContext.switched(graph, 1);
      head.build(ctx, ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 37))));
      assertThat(trainableElements(ctx)).isEqualTo(head.parameterCount());
    }
  }

  @Test
  void backboneCountsMatchBuiltGraph() {
    for (Backbone backbone : new Backbone[] {new Vgg5Backbone(), new FlattenBackbone(28, 28, 1)}) {
      try (Graph graph = new Graph()) {
        GraphContext ctx = GraphContext.switched(graph, 1);
        var images = ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 28, 28, 1)));
        var features = backbone.build(ctx, images);
        assertThat(features.shape().asArray()).containsExactly(-1, backbone.featureSize());
        assertThat(trainableElements(ctx)).isEqualTo(backbone.parameterCount());
      }
    }
  }

  @Test
  void paperSettingByHand() {
    // d=256, w=64, n=4, 10 classes: (256*64+64) + (320*64+64) + (384*64+64) + (448*64+64) + (512*10+10)
    long expected = 16_448 + 20_544 + 24_640 + 28_736 + 5_130;
    HeadSpec spec = HeadSpec.builder().inputSize(256).width(64).depth(4).classes(10).build();
    assertThat(HeadKind.PROGRESSIVE.create(spec).parameterCount()).isEqualTo(expected);
    // VGG-5's convolutions: 0.32 GFLOP per 28x28 image, as measured in FACTS.md's spike
    assertThat(new Vgg5Backbone().flopsPerExample()).isEqualTo(321_767_424L);
    assertThat(ParameterTable.render()).contains("progressive", "95,498", "wide ResNet-101");
  }

  /**
   * Equal-size comparisons: the width a head needs for another head's parameter count is the closest one (no width
   * next to it comes closer), and the counts there are what graphs built at that width hold.
   */
  @ParameterizedTest
  @CsvSource({"SPINAL, true", "DENSE, true", "DENSE, false", "PROGRESSIVE, true"})
  void widthForParametersIsTheClosestWidth(HeadKind kind, boolean batchNorm) {
    HeadSpec spec = HeadSpec.builder().inputSize(784).width(128).depth(6).classes(10).batchNorm(batchNorm).build();
    long target = HeadKind.PROGRESSIVE.create(spec).parameterCount();
    long w = kind.widthForParameters(spec, target);
    long at = count(kind, spec, w);
    assertThat(Math.abs(at - target)).isLessThanOrEqualTo(Math.abs(count(kind, spec, w - 1) - target))
        .isLessThanOrEqualTo(Math.abs(count(kind, spec, w + 1) - target));
    if (kind == HeadKind.PROGRESSIVE) {
      assertThat(w).isEqualTo(128);
    }
    if (kind == HeadKind.DENSE && batchNorm) {
      // 784 -> w -> ... -> 10 with batch norm; at width 340 an ablation's run of this head recorded 854,090
      assertThat(w).isEqualTo(343);
      assertThat(count(kind, spec, 340)).isEqualTo(854_090);
    }
  }

  @Test
  void widthForTooFewParametersIsRefused() {
    HeadSpec spec = HeadSpec.builder().inputSize(784).width(128).depth(6).classes(10).build();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> HeadKind.DENSE.widthForParameters(spec, 100))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("dense head: 100 parameters is fewer");
  }

  private static long count(HeadKind kind, HeadSpec spec, long width) {
    return kind.create(spec.toBuilder().width(width).build()).parameterCount();
  }
}
