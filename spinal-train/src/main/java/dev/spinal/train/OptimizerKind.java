package dev.spinal.train;

import dev.spinal.train.optim.Adam;
import dev.spinal.train.optim.Momentum;
import dev.spinal.train.optim.ScheduledOptimizer;
import java.util.Locale;
import org.tensorflow.Graph;

/** The optimizers of the paper's scripts. */
public enum OptimizerKind {
  /** SGD with momentum. */
  SGD,
  ADAM;

  public ScheduledOptimizer create(Graph graph, double learningRate, double momentum) {
    return switch (this) {
      case SGD -> new Momentum(graph, (float) learningRate, (float) momentum);
      case ADAM -> new Adam(graph, (float) learningRate);
    };
  }

  public static OptimizerKind parse(String name) {
    try {
      return valueOf(name.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown optimizer '" + name + "'; expected sgd or adam");
    }
  }
}
