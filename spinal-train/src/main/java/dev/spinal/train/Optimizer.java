package dev.spinal.train;

import static com.google.common.base.Preconditions.checkArgument;

import dev.spinal.train.optim.ScheduledOptimizer;
import org.tensorflow.Graph;

/**
 * Which optimizer a {@link Trainer} steps with, and its hyper-parameters: {@link Sgd} (with
 * momentum, the paper's scripts' choice for VGG-5) or {@link Adam}. The learning rate here is the
 * base rate; a {@link Schedule} changes it between epochs.
 */
public sealed interface Optimizer {

  /** The base learning rate. */
  double learningRate();

  /** Adds the optimizer's variables (slots, the learning rate) to {@code graph}. */
  ScheduledOptimizer create(Graph graph);

  /** SGD with momentum ({@code momentum} 0 = plain SGD), TF's {@code ApplyMomentum}. */
  static Optimizer sgd(double learningRate, double momentum) {
    return new Sgd(learningRate, momentum);
  }

  /** Adam with TF's defaults (beta1 0.9, beta2 0.999, epsilon 1e-8), TF's {@code ApplyAdam}. */
  static Optimizer adam(double learningRate) {
    return new Adam(learningRate);
  }

  /** SGD with momentum. */
  record Sgd(double learningRate, double momentum) implements Optimizer {
    public Sgd {
      checkArgument(learningRate > 0, "Optimizer.Sgd.learningRate must be > 0, got %s", learningRate);
      checkArgument(momentum >= 0 && momentum < 1, "Optimizer.Sgd.momentum must be in [0, 1), got %s", momentum);
    }

    @Override
    public ScheduledOptimizer create(Graph graph) {
      return new dev.spinal.train.optim.Momentum(graph, (float) learningRate, (float) momentum);
    }
  }

  /** Adam. */
  record Adam(double learningRate) implements Optimizer {
    public Adam {
      checkArgument(learningRate > 0, "Optimizer.Adam.learningRate must be > 0, got %s", learningRate);
    }

    @Override
    public ScheduledOptimizer create(Graph graph) {
      return new dev.spinal.train.optim.Adam(graph, (float) learningRate);
    }
  }
}
