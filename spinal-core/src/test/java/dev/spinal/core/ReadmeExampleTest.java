package dev.spinal.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spinal.core.check.GradientCheck;
import dev.spinal.core.heads.BuiltHead;
import dev.spinal.core.heads.HeadKind;
import dev.spinal.core.heads.HeadSpec;
import dev.spinal.core.heads.ProgressiveSpinalHead;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/** The README's Java example, compiled and run so it cannot rot. Keep the two in sync. */
class ReadmeExampleTest {

  @Test
  void readmeExample() {
    // --- README example begins
    try (Graph graph = new Graph()) {
      GraphContext ctx = GraphContext.switched(graph, /* seed */ 42);
      Placeholder<TFloat32> features =
          ctx.tf().withName("features").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 256)));

      HeadSpec spec = HeadSpec.builder().inputSize(256).width(64).depth(4).classes(10).build();
      BuiltHead<TFloat32> head = new ProgressiveSpinalHead(spec).build(ctx, features);
      // head.logits(): [batch, 10]; ctx.training(): the graph's train/infer switch (default false)

      GradientCheck.Report report =
          GradientCheck.float64((c, in) -> HeadKind.PROGRESSIVE.create(spec.toBuilder().inputSize(6).width(3).dropout(0).build())
                  .build(c, in.get(0)).logits())
              .input("features", Shape.of(4, 6))
              .run();
      System.out.print(report.table());
      // --- README example ends
      assertThat(head.logits().shape().asArray()).containsExactly(-1, 10);
      assertThat(report.maxRelativeError()).isLessThan(1e-6);
    }
  }
}
