package dev.spinal.core.heads;

import static com.google.common.base.Preconditions.checkArgument;

import dev.spinal.core.GraphContext;
import dev.spinal.core.layers.HiddenLayer;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.family.TFloating;

/** Checks and helpers shared by the heads. */
final class HeadSupport {

  private HeadSupport() {}

  /** Fails, before anything is added to the graph, unless features are {@code [batch, d]}. */
  static void checkFeatures(HeadSpec spec, Operand<?> features) {
    Shape shape = features.shape();
    checkArgument(
        shape.numDimensions() == 2 && shape.get(1) == spec.inputSize(),
        "features must have shape [batch, %s] (HeadSpec.inputSize), got %s",
        spec.inputSize(),
        shape);
  }

  /** Concatenates along the feature axis; a single part is returned as is (ConcatV2 needs >= 2). */
  static <T extends TFloating> Operand<T> concat(Ops tf, List<Operand<T>> parts) {
    return parts.size() == 1 ? parts.get(0) : tf.concat(parts, tf.constant(1));
  }

  /** A hidden layer of the spec's width, batch norm, activation and init, reading {@code inputSize}. */
  static <T extends TFloating> HiddenLayer<T> hiddenLayer(
      GraphContext ctx, HeadSpec spec, long inputSize, Class<T> type) {
    return HiddenLayer.create(
        ctx, inputSize, spec.width(), spec.batchNorm(), spec.activation(), spec.init(), type);
  }

  /** Parameters of a dense layer plus, with batch norm, its scale and offset. */
  static long layerParameters(long in, long out, boolean batchNorm) {
    return in * out + out + (batchNorm ? 2 * out : 0);
  }
}
