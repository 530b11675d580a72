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
import org.tensorflow.op.Ops;
import org.tensorflow.types.family.TFloating;

/**
 * The original SpinalNet head (Kabir et al.): the features are split in two halves
 * {@code A = x[:, :d/2]} and {@code B = x[:, d/2:]}; layer {@code i} reads half A when {@code i} is
 * odd and half B when it is even, concatenated (for {@code i > 1}) with the previous layer's output;
 * the output layer reads {@code cat(y1..yn)}:
 *
 * <pre>
 * y1 = act(Linear(|A| -> w)(dropout(A)))
 * yi = act(Linear(|half| + w -> w)(dropout(cat(half_i, y(i-1)))))
 * logits = Linear(n*w -> classes)(dropout(cat(y1..yn)))
 * </pre>
 *
 * <p>As in SpinalNet's scripts, dropout sits at the input of every layer. Input {@code [batch, d]}
 * with {@code d >= 2}, output {@code [batch, classes]}. For odd {@code d}, half A has
 * {@code floor(d/2)} features and half B the rest.
 */
public final class SpinalHead extends SpecifiedHead {

  public SpinalHead(HeadSpec spec) {
    super(checkHalves(spec));
  }

  private static HeadSpec checkHalves(HeadSpec spec) {
    if (spec.inputSize() < 2) {
      throw new IllegalArgumentException(
          "SpinalHead splits its input in two halves: HeadSpec.inputSize must be >= 2, got "
              + spec.inputSize());
    }
    return spec;
  }

  @Override
  public HeadKind kind() {
    return HeadKind.SPINAL;
  }

  private long halfA() {
    return spec.inputSize() / 2;
  }

  private long halfSize(int layer) {
    return layer % 2 == 1 ? halfA() : spec.inputSize() - halfA();
  }

  /** Input size of hidden layer {@code i} (1-based). */
  public long layerInputSize(int i) {
    return halfSize(i) + (i == 1 ? 0 : spec.width());
  }

  @Override
  public <T extends TFloating> BuiltHead<T> build(GraphContext ctx, Operand<T> features) {
    HeadSupport.checkFeatures(spec, features);
    GraphContext head = ctx.withSubScope("spinal_head");
    Ops tf = head.tf();
    Class<T> type = features.type();
    Dropout dropout = Dropout.of(spec.dropout());
    Operand<T> halfA = slice(tf, features, 0, halfA());
    Operand<T> halfB = slice(tf, features, halfA(), spec.inputSize() - halfA());

    List<Dense<T>> denses = new ArrayList<>();
    List<Operand<T>> outputs = new ArrayList<>();
    for (int i = 1; i <= spec.depth(); i++) {
      GraphContext layerCtx = head.withSubScope("layer" + i);
      Operand<T> half = i % 2 == 1 ? halfA : halfB;
      Operand<T> input = i == 1 ? half : concat(tf, List.of(half, outputs.get(i - 2)));
      HiddenLayer<T> layer =
          HeadSupport.hiddenLayer(layerCtx, spec, layerInputSize(i), type);
      outputs.add(layer.call(dropout.call(layerCtx, input)));
      denses.add(layer.dense());
    }
    GraphContext outCtx = head.withSubScope("output");
    Dense<T> output =
        Dense.create(outCtx, spec.depth() * spec.width(), spec.classes(), spec.init(), type);
    denses.add(output);
    Operand<T> logits = output.call(dropout.call(outCtx, concat(tf, outputs)));
    return new BuiltHead<>(logits, denses);
  }

  private static <T extends TFloating> Operand<T> slice(
      Ops tf, Operand<T> x, long from, long size) {
    // int32 begin/size: TF's C++ Slice gradient mixes int32 and int64 otherwise and fails to build.
    return tf.slice(
        x,
        tf.constant(new int[] {0, Math.toIntExact(from)}),
        tf.constant(new int[] {-1, Math.toIntExact(size)}));
  }

  @Override
  public long parameterCount() {
    long total = layerParameters(spec.depth() * spec.width(), spec.classes(), false);
    for (int i = 1; i <= spec.depth(); i++) {
      total += layerParameters(layerInputSize(i), spec.width(), spec.batchNorm());
    }
    return total;
  }

  @Override
  public long flopsPerExample() {
    long total = 2 * spec.depth() * spec.width() * spec.classes();
    for (int i = 1; i <= spec.depth(); i++) {
      total += 2 * layerInputSize(i) * spec.width();
    }
    return total;
  }
}
