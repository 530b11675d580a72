package dev.spinal.testing;

import static dev.spinal.testing.SpinalAssertions.assertThat;

import dev.spinal.core.GraphContext;
import dev.spinal.core.check.GradientFlow;
import dev.spinal.core.heads.BuiltHead;
import dev.spinal.core.heads.Head;
import dev.spinal.core.heads.HeadSpec;
import dev.spinal.core.layers.Activation;
import dev.spinal.core.layers.Dense;
import dev.spinal.core.layers.HiddenLayer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tensorflow.Operand;
import org.tensorflow.types.family.TFloating;

/**
 * spinal-testing/README.md's example, compiled and run so it cannot rot (keep the two in sync), on a
 * user's own head: {@link MyHead}.
 */
class ReadmeExampleTest {

  /**
   * A user's head: a plain chain of hidden layers {@code y_i = act(W_i y_(i-1))}, {@code y_0 = x},
   * whose output layer reads {@code cat(y_1, ..., y_n)}, so every layer has a one-step path to the
   * loss. Layers are named {@code my_head/layer<i>} and {@code my_head/output}.
   */
  record MyHead(HeadSpec spec) implements Head {
    @Override
    public long inputSize() {
      return spec.inputSize();
    }

    @Override
    public int classes() {
      return spec.classes();
    }

    @Override
    public <T extends TFloating> BuiltHead<T> build(GraphContext ctx, Operand<T> features) {
      GraphContext head = ctx.withSubScope("my_head");
      List<Dense<T>> denses = new ArrayList<>();
      List<Operand<T>> outputs = new ArrayList<>();
      Operand<T> y = features;
      for (int i = 1; i <= spec.depth(); i++) {
        long in = i == 1 ? spec.inputSize() : spec.width();
        HiddenLayer<T> layer =
            HiddenLayer.create(
                head.withSubScope("layer" + i), in, spec.width(), false, spec.activation(), spec.init(), features.type());
        y = layer.call(y);
        outputs.add(y);
        denses.add(layer.dense());
      }
      Dense<T> output =
          Dense.create(
              head.withSubScope("output"), spec.depth() * spec.width(), spec.classes(), spec.init(), features.type());
      denses.add(output);
      Operand<T> all = outputs.size() == 1 ? outputs.get(0) : head.tf().concat(outputs, head.tf().constant(1));
      return new BuiltHead<>(output.call(all), denses);
    }

    @Override
    public long parameterCount() {
      long hidden = spec.inputSize() * spec.width() + (spec.depth() - 1) * spec.width() * spec.width();
      return hidden + spec.depth() * spec.width() + spec.depth() * spec.width() * spec.classes() + spec.classes();
    }

    @Override
    public long flopsPerExample() {
      return 2 * (parameterCount() - spec.depth() * spec.width() - spec.classes());
    }
  }

  // --- README example begins
  @Test
  void everyLayerOfMyHeadGetsAGradient() {
    HeadSpec spec =
        HeadSpec.builder().inputSize(64).width(32).depth(8).classes(10).dropout(0)
            .activation(Activation.SIGMOID).build();
    Head head = new MyHead(spec); // your Head implementation
    GradientFlow.Report flow =
        GradientFlow.ofHeadAtInitialization(head, /* batch */ 64, /* dataSeed */ 5, /* weightSeed */ 11);
    System.out.print(flow.table());

    assertThat(flow)
        .hasLayerCount(spec.depth() + 1) // the hidden layers and the output layer
        .allNormsFinite()
        .noLayerBelow(1e-6); // no vanishing gradient
    assertThat(flow).ratio("layer1", "layer8").isBetween(0.1, 10);
  }
  // --- README example ends
}
