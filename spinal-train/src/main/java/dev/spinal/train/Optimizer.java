package dev.spinal.train;

import static com.google.common.base.Preconditions.checkArgument;

import dev.spinal.train.optim.ScheduledOptimizer;
import org.tensorflow.Graph;

/**
 * Which optimizer a {@link Trainer} steps with, and its hyper-parameters: {@link Sgd} (with
 * momentum, the paper's scripts' choice for VGG-5) or {@link Adam}, each with an optional decoupled
 * weight decay ({@link #withWeightDecay}: AdamW / SGDW). The learning rate here is the base rate; a
 * {@link Schedule} changes it between epochs.
 */
public sealed interface Optimizer {

  /** The base learning rate. */
  double learningRate();

  /** Decoupled weight decay on the kernels ({@link ScheduledOptimizer#weightDecay(double)}); 0: none. */
  double weightDecay();

  /**
   * The same optimizer with decoupled weight decay {@code wd}. The shrink per step is {@code lr * wd}, so {@code wd}
   * is larger than a coupled L2 factor: 0.05 at Adam's lr 0.001 in the {@code fashion-mnist-vgg5-hour} recipe.
   */
  Optimizer withWeightDecay(double wd);

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
  record Sgd(double learningRate, double momentum, double weightDecay) implements Optimizer {
    public Sgd {
      checkArgument(learningRate > 0, "Optimizer.Sgd.learningRate must be > 0, got %s", learningRate);
      checkArgument(momentum >= 0 && momentum < 1, "Optimizer.Sgd.momentum must be in [0, 1), got %s", momentum);
      checkWeightDecay(weightDecay);
    }

    public Sgd(double learningRate, double momentum) {
      this(learningRate, momentum, 0);
    }

    @Override
    public Optimizer withWeightDecay(double wd) {
      return new Sgd(learningRate, momentum, wd);
    }

    @Override
    public ScheduledOptimizer create(Graph graph) {
      return new dev.spinal.train.optim.Momentum(graph, (float) learningRate, (float) momentum)
          .weightDecay(weightDecay);
    }
  }

  /** Adam (AdamW with a weight decay). */
  record Adam(double learningRate, double weightDecay) implements Optimizer {
    public Adam {
      checkArgument(learningRate > 0, "Optimizer.Adam.learningRate must be > 0, got %s", learningRate);
      checkWeightDecay(weightDecay);
    }

    public Adam(double learningRate) {
      this(learningRate, 0);
    }

    @Override
    public Optimizer withWeightDecay(double wd) {
      return new Adam(learningRate, wd);
    }

    @Override
    public ScheduledOptimizer create(Graph graph) {
      return new dev.spinal.train.optim.Adam(graph, (float) learningRate).weightDecay(weightDecay);
    }
  }

  private static void checkWeightDecay(double wd) {
    checkArgument(wd >= 0 && wd < 1, "weight decay must be in [0, 1), got %s", wd);
  }
}
