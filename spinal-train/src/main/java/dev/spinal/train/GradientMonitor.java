package dev.spinal.train;

import dev.spinal.core.GraphContext;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.family.TType;

/**
 * The ops that measure a training step's weight gradients: for each monitored weight (a trainable
 * variable of rank >= 2) its gradient as float32 and the Frobenius norms {@code ||dL/dW||} of all of them
 * stacked in one {@code [L]} vector, so a monitored step fetches one small tensor more; and the weights'
 * own norms (to tell finite weights from diverged ones before a histogram is written).
 */
final class GradientMonitor {

  private final List<String> names;
  private final List<Operand<TFloat32>> weights;
  private final List<Operand<TFloat32>> gradients;
  private final Operand<TFloat32> gradientNorms;
  private final Operand<TFloat32> weightNorms;

  private GradientMonitor(List<String> names, List<Operand<TFloat32>> weights, List<Operand<TFloat32>> gradients,
      Operand<TFloat32> gradientNorms, Operand<TFloat32> weightNorms) {
    this.names = List.copyOf(names);
    this.weights = List.copyOf(weights);
    this.gradients = List.copyOf(gradients);
    this.gradientNorms = gradientNorms;
    this.weightNorms = weightNorms;
  }

  /**
   * Adds the monitor's ops to {@code ctx}'s graph under {@code gradient_monitor/}.
   *
   * @param gradients {@code dLoss/dVariable} of each of {@code variables}, in the same order
   */
  static GradientMonitor build(GraphContext ctx, List<Variable<?>> variables, List<Output<?>> gradients) {
    Ops tf = ctx.tf().withSubScope("gradient_monitor");
    List<String> names = new ArrayList<>();
    List<Operand<TFloat32>> weights = new ArrayList<>();
    List<Operand<TFloat32>> grads = new ArrayList<>();
    List<Operand<TFloat32>> gradNorms = new ArrayList<>();
    List<Operand<TFloat32>> weightNorms = new ArrayList<>();
    for (int i = 0; i < variables.size(); i++) {
      Variable<?> v = variables.get(i);
      if (v.shape().numDimensions() < 2) {
        continue; // biases and batch-norm parameters: the layers' weights are their kernels
      }
      Operand<TFloat32> g = float32(tf, gradients.get(i));
      // a copy: a fetched variable shares its buffer, which the next step's update overwrites in place
      Operand<TFloat32> w = tf.deepCopy(float32(tf, v));
      names.add(v.op().name());
      weights.add(w);
      grads.add(g);
      gradNorms.add(norm(tf, g));
      weightNorms.add(norm(tf, w));
    }
    if (names.isEmpty()) {
      return new GradientMonitor(names, weights, grads, null, null);
    }
    return new GradientMonitor(names, weights, grads, tf.withName("gradient_norms").stack(gradNorms),
        tf.withName("weight_norms").stack(weightNorms));
  }

  @SuppressWarnings("unchecked")
  private static Operand<TFloat32> float32(Ops tf, Operand<?> x) {
    return x.type() == TFloat32.class ? (Operand<TFloat32>) x
        : tf.dtypes.cast((Operand<? extends TType>) x, TFloat32.class);
  }

  /** {@code sqrt(sum(x^2))} over every element. */
  private static Operand<TFloat32> norm(Ops tf, Operand<TFloat32> x) {
    Operand<TFloat32> flat = tf.reshape(x, tf.constant(new long[] {-1}));
    return tf.math.sqrt(tf.reduceSum(tf.math.square(flat), tf.constant(0)));
  }

  List<String> names() {
    return names;
  }

  /** Adds the norms (and with {@code tensors} every gradient) to a step's fetches, after the caller's. */
  void addFetches(Session.Runner runner, boolean tensors) {
    if (gradientNorms == null) {
      return;
    }
    runner.fetch(gradientNorms);
    if (tensors) {
      gradients.forEach(runner::fetch);
    }
  }

  /** The weights' norms, then every weight, read in a run of their own (before the step changes them). */
  Result fetchWeights(Session session) {
    if (weightNorms == null) {
      return null;
    }
    Session.Runner r = session.runner().fetch(weightNorms);
    weights.forEach(r::fetch);
    return r.run();
  }

  /**
   * The snapshot of a step whose result {@code step} holds this monitor's fetches from index {@code first}
   * on; it takes ownership of {@code stepResult} and {@code weights} (null: no tensors).
   */
  GradientSnapshot snapshot(long step, List<Integer> headLayers, Result stepResult, int first, Result weights) {
    try {
      double[] norms = new double[names.size()];
      if (gradientNorms != null) {
        read((TFloat32) stepResult.get(first), norms);
      }
      return new GradientSnapshot(step, names, norms, headLayers, stepResult, first + 1, weights);
    } catch (RuntimeException e) {
      stepResult.close();
      if (weights != null) {
        weights.close();
      }
      throw e;
    }
  }

  static void read(TFloat32 vector, double[] into) {
    for (int i = 0; i < into.length; i++) {
      into[i] = vector.getFloat(i);
    }
  }
}
