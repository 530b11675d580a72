package dev.spinal.train;

import static com.google.common.base.Preconditions.checkState;

import java.util.List;
import org.tensorflow.Result;
import org.tensorflow.types.TFloat32;

/**
 * The weight gradients of one training step, as a {@link Trainer} with {@link GradientLogging} measured
 * them and handed them to {@link dev.spinal.train.callbacks.Callback#onGradients}: for each monitored weight
 * (every trainable variable of rank >= 2, i.e. convolution and dense kernels, backbone first, the head's
 * output layer last) the Frobenius norm {@code ||dL/dW||_2} of the loss gradient on the step's batch, and on
 * histogram steps the gradient and the weight tensors themselves (shaped like the weight, e.g.
 * {@code [3, 3, 1, 64]} for a conv kernel, {@code [in, out]} for a dense one).
 *
 * <p>The tensors belong to the snapshot, which the trainer closes after every callback saw it: a callback
 * that keeps something copies it.
 */
public final class GradientSnapshot implements AutoCloseable {

  private final long step;
  private final List<String> weights;
  private final double[] norms;
  private final List<Integer> headLayers;
  private final Result gradients;
  private final int firstGradient;
  private final Result weightValues;
  private boolean closed;

  GradientSnapshot(long step, List<String> weights, double[] norms, List<Integer> headLayers, Result gradients,
      int firstGradient, Result weightValues) {
    this.step = step;
    this.weights = List.copyOf(weights);
    this.norms = norms.clone();
    this.headLayers = List.copyOf(headLayers);
    this.gradients = gradients;
    this.firstGradient = firstGradient;
    this.weightValues = weightValues;
  }

  /** Steps trained before this one: the gradients are those of the weights after {@code step} updates. */
  public long step() {
    return step;
  }

  /** The monitored weights' variable names, e.g. {@code vgg5/block1_conv1/kernel}, first layer first. */
  public List<String> weights() {
    return weights;
  }

  /** The layer of weight {@code i}: its variable name without a trailing {@code /kernel}. */
  public String layer(int i) {
    String name = weights.get(i);
    return name.endsWith("/kernel") ? name.substring(0, name.length() - "/kernel".length()) : name;
  }

  /** {@code ||dL/dW_i||_2} for each monitored weight, in {@link #weights()} order. */
  public double[] norms() {
    return norms.clone();
  }

  /** Indices into {@link #weights()} of the head's layers, input layer first, output layer last. */
  public List<Integer> headLayers() {
    return headLayers;
  }

  /**
   * The gradient-highway ratio during training: the norm of the head's first hidden layer over that of its
   * last hidden layer (what {@code spinal grad-flow} reports at initialization), or NaN when the head has
   * fewer than two hidden layers.
   */
  public double headFirstOverLastHidden() {
    if (headLayers.size() < 3) {
      return Double.NaN;
    }
    return norms[headLayers.get(0)] / norms[headLayers.get(headLayers.size() - 2)];
  }

  /** True on histogram steps: {@link #gradient} and {@link #weight} are available. */
  public boolean hasTensors() {
    return weightValues != null;
  }

  /** The gradient of weight {@code i} (float32, the weight's shape); only while the snapshot is open. */
  public TFloat32 gradient(int i) {
    checkState(hasTensors() && !closed, "no gradient tensors in this snapshot (not a histogram step, or closed)");
    return (TFloat32) gradients.get(firstGradient + i);
  }

  /** Weight {@code i} as it was before this step's update; only while the snapshot is open. */
  public TFloat32 weight(int i) {
    checkState(hasTensors() && !closed, "no weight tensors in this snapshot (not a histogram step, or closed)");
    return (TFloat32) weightValues.get(1 + i);
  }

  /**
   * Whether weight {@code i}'s norm is finite, and so every value of it (TensorFlow refuses to write a
   * histogram of NaN or Inf values).
   */
  public boolean weightFinite(int i) {
    checkState(hasTensors() && !closed, "no weight tensors in this snapshot (not a histogram step, or closed)");
    return Double.isFinite(((TFloat32) weightValues.get(0)).getFloat(i));
  }

  /** Whether the gradient norm of weight {@code i} is finite, and so every value of the gradient. */
  public boolean gradientFinite(int i) {
    return Double.isFinite(norms[i]);
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      gradients.close();
    } finally {
      if (weightValues != null) {
        weightValues.close();
      }
    }
  }
}
