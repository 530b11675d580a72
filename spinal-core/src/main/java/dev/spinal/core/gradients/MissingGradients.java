package dev.spinal.core.gradients;

import com.google.common.primitives.Longs;
import java.util.List;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.TensorFlow;
import org.tensorflow.op.Ops;
import org.tensorflow.op.nn.DepthwiseConv2dNativeBackpropFilter;
import org.tensorflow.op.nn.DepthwiseConv2dNativeBackpropInput;
import org.tensorflow.types.family.TNumber;

/**
 * Registers, once per process, the gradients TF Java's C++ gradient registry lacks for ops Spinal
 * trains through; without them {@code Graph.addGradients} (and so every framework optimizer) throws
 * {@code No gradient defined for op}:
 * <ul>
 *   <li>{@code SparseSoftmaxCrossEntropyWithLogits}, the op behind the TF Java framework's
 *       {@code SparseCategoricalCrossentropy};
 *   <li>{@code DepthwiseConv2dNative}, the depthwise convolution of MobileNet and EfficientNet
 *       backbones (Keras' {@code DepthwiseConv2D}), met when fine-tuning them.
 * </ul>
 *
 * <p>Registration is process-wide and TF accepts one per op type, so it happens here and nowhere
 * else; {@link dev.spinal.core.GraphContext#create} calls {@link #register()}.
 */
public final class MissingGradients {

  public static final String SPARSE_SOFTMAX_XENT = "SparseSoftmaxCrossEntropyWithLogits";
  public static final String DEPTHWISE_CONV = "DepthwiseConv2dNative";

  private static boolean registered;

  private MissingGradients() {}

  /** Registers the missing gradients if not done yet in this process. Idempotent, thread-safe. */
  public static synchronized void register() {
    if (registered) {
      return;
    }
    // Returns false when TF already has a gradient for the op (a later TF may ship one): keep it.
    TensorFlow.registerCustomGradient(SPARSE_SOFTMAX_XENT, MissingGradients::sparseSoftmaxXent);
    TensorFlow.registerCustomGradient(DEPTHWISE_CONV, MissingGradients::depthwiseConv);
    registered = true;
  }

  /**
   * d loss_b / d logits_bk is the op's second output {@code backprop} (softmax minus one-hot), so the
   * gradient of the logits is {@code upstream_b * backprop_bk}. The labels are integers and not
   * differentiable; TF Java needs a tensor there rather than null, so they get zeros. The
   * second-order term (a gradient flowing into {@code backprop} itself) is not propagated: nothing in
   * Spinal differentiates a gradient.
   */
  private static List<Operand<?>> sparseSoftmaxXent(
      Ops tf, GraphOperation op, List<Output<?>> upstream) {
    return List.of(scaleRows(tf, upstream.get(0), op.output(1)), tf.zerosLike(op.input(1)));
  }

  @SuppressWarnings("unchecked")
  private static <T extends TNumber> Operand<T> scaleRows(
      Ops tf, Output<?> perRow, Output<?> backprop) {
    Operand<T> rows = (Operand<T>) perRow;
    return tf.math.mul(tf.expandDims(rows, tf.constant(-1)), (Operand<T>) backprop);
  }

  /**
   * {@code y = depthwise_conv(x [N, H, W, C], f [kh, kw, C, M])}: the input and filter gradients are
   * TF's two backprop kernels of the op, called with the forward op's strides, padding, explicit
   * paddings, dilations and data format.
   */
  @SuppressWarnings("unchecked")
  private static List<Operand<?>> depthwiseConv(Ops tf, GraphOperation op, List<Output<?>> upstream) {
    Output<TNumber> input = (Output<TNumber>) op.input(0);
    Output<TNumber> filter = (Output<TNumber>) op.input(1);
    Output<TNumber> grad = (Output<TNumber>) upstream.get(0);
    var attrs = op.attributes();
    List<Long> strides = Longs.asList(attrs.getAttrIntList("strides"));
    String padding = attrs.getAttrString("padding");
    List<Long> dilations = Longs.asList(attrs.getAttrIntList("dilations"));
    List<Long> explicit = Longs.asList(attrs.getAttrIntList("explicit_paddings"));
    String format = attrs.getAttrString("data_format");
    Operand<TNumber> dInput = tf.nn.depthwiseConv2dNativeBackpropInput(tf.shape(input), filter, grad, strides,
        padding, DepthwiseConv2dNativeBackpropInput.dilations(dilations),
        DepthwiseConv2dNativeBackpropInput.explicitPaddings(explicit),
        DepthwiseConv2dNativeBackpropInput.dataFormat(format));
    Operand<TNumber> dFilter = tf.nn.depthwiseConv2dNativeBackpropFilter(input, tf.shape(filter), grad, strides,
        padding, DepthwiseConv2dNativeBackpropFilter.dilations(dilations),
        DepthwiseConv2dNativeBackpropFilter.explicitPaddings(explicit),
        DepthwiseConv2dNativeBackpropFilter.dataFormat(format));
    return List.of(dInput, dFilter);
  }
}
