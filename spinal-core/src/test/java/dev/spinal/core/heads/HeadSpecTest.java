package dev.spinal.core.heads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.collect.Iterators;
import dev.spinal.core.GraphContext;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.tensorflow.Graph;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

class HeadSpecTest {

  private static HeadSpec.Builder valid() {
    return HeadSpec.builder().inputSize(256).width(64).depth(4).classes(10);
  }

  private static void assertRejected(UnaryOperator<HeadSpec.Builder> change, String message) {
    assertThatThrownBy(() -> change.apply(valid()).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
  }

  @Test
  void defaultsAreThePapers() {
    HeadSpec spec = valid().build();
    assertThat(spec.dropout()).isEqualTo(0.2);
    assertThat(spec.batchNorm()).isFalse();
    assertThat(spec.activation()).isEqualTo(dev.spinal.core.layers.Activation.RELU);
    assertThat(spec.init()).isEqualTo(dev.spinal.core.layers.WeightInit.TORCH_DEFAULT);
    assertThat(spec.toBuilder().build()).isEqualTo(spec);
  }

  @Test
  void badFieldsAreNamedWithTheExpectedValue() {
    assertRejected(b -> b.depth(0), "HeadSpec.depth must be >= 1, got 0");
    assertRejected(b -> b.width(0), "HeadSpec.width must be > 0, got 0");
    assertRejected(b -> b.width(-3), "HeadSpec.width must be > 0, got -3");
    assertRejected(b -> b.classes(1), "HeadSpec.classes must be >= 2, got 1");
    assertRejected(b -> b.dropout(1.0), "HeadSpec.dropout must be in [0, 1), got 1.0");
    assertRejected(b -> b.dropout(-0.1), "HeadSpec.dropout must be in [0, 1), got -0.1");
    assertRejected(b -> b.inputSize(0), "HeadSpec.inputSize must be > 0, got 0");
    assertThatThrownBy(() -> HeadSpec.builder().width(4).depth(1).classes(2).build())
        .hasMessageContaining("HeadSpec.inputSize");
  }

  @Test
  void spinalHeadNeedsTwoHalves() {
    HeadSpec spec = valid().inputSize(1).build();
    assertThatThrownBy(() -> new SpinalHead(spec))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("HeadSpec.inputSize must be >= 2, got 1");
  }

  @ParameterizedTest
  @EnumSource(HeadKind.class)
  void mismatchedFeaturesFailBeforeAnythingIsAdded(HeadKind kind) {
    Head head = kind.create(valid().build());
    try (Graph graph = new Graph()) {
      GraphContext ctx = GraphContext.switched(graph, 1);
      Placeholder<TFloat32> wrongSize =
          ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 128)));
      Placeholder<TFloat32> wrongRank =
          ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 16, 16)));
      int opsBefore = Iterators.size(graph.operations());
      assertThatThrownBy(() -> head.build(ctx, wrongSize))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("features must have shape [batch, 256] (HeadSpec.inputSize), got [-1, 128]");
      assertThatThrownBy(() -> head.build(ctx, wrongRank))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("got [-1, 16, 16]");
      assertThat(Iterators.size(graph.operations())).isEqualTo(opsBefore);
      assertThat(ctx.trainableVariables()).isEmpty();
    }
  }

  @Test
  void cliNamesParse() {
    assertThat(HeadKind.parse("Progressive")).isEqualTo(HeadKind.PROGRESSIVE);
    assertThatThrownBy(() -> HeadKind.parse("wide"))
        .hasMessage("unknown head 'wide'; expected one of progressive, spinal, dense");
  }
}
