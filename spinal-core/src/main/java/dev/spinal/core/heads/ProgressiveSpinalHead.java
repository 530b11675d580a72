package dev.spinal.core.heads;

import static dev.spinal.core.heads.HeadSupport.concat;
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
 * The ProgressiveSpinalNet head (Chopra): every layer reads the backbone's features concatenated with
 * the outputs of all earlier layers, and the output layer reads all of them. For features {@code x}
 * of size {@code d}, width {@code w} and depth {@code n}, as in the paper's reference scripts:
 *
 * <pre>
 * xd = dropout(x)
 * y1 = act(Linear(d -> w)(x))                          // layer 1 reads x without dropout
 * yi = act(Linear(d + (i-1)w -> w)(cat(xd, y1..y(i-1))))
 * logits = Linear(d + n*w -> classes)(cat(xd, y1..yn))
 * </pre>
 *
 * <p>Input {@code [batch, d]}, output {@code [batch, classes]}. With {@link HeadSpec#batchNorm()} each
 * layer is {@code Linear -> BatchNorm -> act}. The same dropout mask of {@code x} is read by every
 * layer after the first and by the output layer.
 */
public final class ProgressiveSpinalHead extends SpecifiedHead {

  public ProgressiveSpinalHead(HeadSpec spec) {
    super(spec);
  }

  @Override
  public HeadKind kind() {
    return HeadKind.PROGRESSIVE;
  }

  /** Input size of hidden layer {@code i} (1-based): {@code d} for the first, {@code d + (i-1)w} after. */
  public long layerInputSize(int i) {
    return i == 1 ? spec.inputSize() : spec.inputSize() + (i - 1) * spec.width();
  }

  private long outputInputSize() {
    return spec.inputSize() + spec.depth() * spec.width();
  }

  @Override
  public <T extends TFloating> BuiltHead<T> build(GraphContext ctx, Operand<T> features) {
    HeadSupport.checkFeatures(spec, features);
    GraphContext head = ctx.withSubScope("progressive_spinal_head");
    Class<T> type = features.type();
    List<Dense<T>> denses = new ArrayList<>();

    // Everything the next layer reads: the dropped-out features, then y1, y2, ...
    List<Operand<T>> readable = new ArrayList<>();
    readable.add(Dropout.of(spec.dropout()).call(head.withSubScope("dropout"), features));
    for (int i = 1; i <= spec.depth(); i++) {
      HiddenLayer<T> layer =
          HeadSupport.hiddenLayer(head.withSubScope("layer" + i), spec, layerInputSize(i), type);
      Operand<T> input = i == 1 ? features : concat(head.tf(), readable);
      readable.add(layer.call(input));
      denses.add(layer.dense());
    }
    Dense<T> output =
        Dense.create(head.withSubScope("output"), outputInputSize(), spec.classes(), spec.init(), type);
    denses.add(output);
    return new BuiltHead<>(output.call(concat(head.tf(), readable)), denses);
  }

  @Override
  public long parameterCount() {
    long total = layerParameters(outputInputSize(), spec.classes(), false);
    for (int i = 1; i <= spec.depth(); i++) {
      total += layerParameters(layerInputSize(i), spec.width(), spec.batchNorm());
    }
    return total;
  }

  @Override
  public long flopsPerExample() {
    long total = 2 * outputInputSize() * spec.classes();
    for (int i = 1; i <= spec.depth(); i++) {
      total += 2 * layerInputSize(i) * spec.width();
    }
    return total;
  }
}
