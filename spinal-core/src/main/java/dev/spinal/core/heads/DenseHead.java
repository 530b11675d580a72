package dev.spinal.core.heads;

import static dev.spinal.core.heads.HeadSupport.layerParameters;

import dev.spinal.core.GraphContext;
import dev.spinal.core.layers.Dense;
import dev.spinal.core.layers.Dropout;
import dev.spinal.core.layers.HiddenLayer;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.types.family.TFloating;

/**
 * A plain MLP classifier of the same width and depth as the spinal heads, the paper's baseline:
 *
 * <pre>
 * h1 = act(Linear(d -> w)(x))
 * hi = act(Linear(w -> w)(dropout(h(i-1))))
 * logits = Linear(w -> classes)(dropout(hn))
 * </pre>
 *
 * <p>Input {@code [batch, d]}, output {@code [batch, classes]}. Like the progressive head, the first
 * layer reads the features without dropout.
 */
public final class DenseHead extends SpecifiedHead {

  public DenseHead(HeadSpec spec) {
    super(spec);
  }

  @Override
  public HeadKind kind() {
    return HeadKind.DENSE;
  }

  private long layerInputSize(int i) {
    return i == 1 ? spec.inputSize() : spec.width();
  }

  @Override
  public <T extends TFloating> BuiltHead<T> build(GraphContext ctx, Operand<T> features) {
    HeadSupport.checkFeatures(spec, features);
    GraphContext head = ctx.withSubScope("dense_head");
    Class<T> type = features.type();
    Dropout dropout = Dropout.of(spec.dropout());
    List<Dense<T>> denses = new ArrayList<>();
    Operand<T> h = features;
    for (int i = 1; i <= spec.depth(); i++) {
      GraphContext layerCtx = head.withSubScope("layer" + i);
      HiddenLayer<T> layer =
          HeadSupport.hiddenLayer(layerCtx, spec, layerInputSize(i), type);
      h = layer.call(i == 1 ? h : dropout.call(layerCtx, h));
      denses.add(layer.dense());
    }
    GraphContext outCtx = head.withSubScope("output");
    Dense<T> output = Dense.create(outCtx, spec.width(), spec.classes(), spec.init(), type);
    denses.add(output);
    return new BuiltHead<>(output.call(dropout.call(outCtx, h)), denses);
  }

  @Override
  public long parameterCount() {
    long total = layerParameters(spec.width(), spec.classes(), false);
    for (int i = 1; i <= spec.depth(); i++) {
      total += layerParameters(layerInputSize(i), spec.width(), spec.batchNorm());
    }
    return total;
  }

  @Override
  public long flopsPerExample() {
    long total = 2 * spec.width() * spec.classes();
    for (int i = 1; i <= spec.depth(); i++) {
      total += 2 * layerInputSize(i) * spec.width();
    }
    return total;
  }
}
