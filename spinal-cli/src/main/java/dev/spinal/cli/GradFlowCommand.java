package dev.spinal.cli;

import dev.spinal.core.check.GradientFlow;
import dev.spinal.core.heads.HeadKind;
import dev.spinal.core.heads.HeadSpec;
import dev.spinal.core.layers.Activation;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code spinal grad-flow}: per-layer gradient norms of the three heads at initialization. */
@Command(name = "grad-flow", description = "Per-layer weight-gradient norms of the three"
    + " heads on a random batch, at initialization: the gradient-highway measurement.")
final class GradFlowCommand implements Callable<Integer> {

  @Option(names = "--depth", defaultValue = "16", description = "Hidden layers of each head.") int depth;
  @Option(names = "--width", defaultValue = "32", description = "Width of each hidden layer.") long width;
  @Option(names = "--input-size", defaultValue = "64", description = "Size of the random feature vectors.")
  int inputSize;
  @Option(names = "--activation", paramLabel = "ACTIVATION", defaultValue = "sigmoid", converter = Choices.ActivationName.class,
      completionCandidates = Choices.ActivationName.class, description = "Activation: ${COMPLETION-CANDIDATES}.")
  String activation;
  @Option(names = "--batch", defaultValue = "64", description = "Examples in the random batch.") int batch;
  @Option(names = "--seed", defaultValue = "5", description = "Seed of the weights and of the batch.") long seed;

  @Override
  public Integer call() {
    Activation act = Activation.valueOf(activation.toUpperCase(Locale.ROOT));
    System.out.printf("depth %d, width %d, %d-d features, %s, batch %d%n%n", depth, width, inputSize, act, batch);
    for (HeadKind kind : HeadKind.values()) {
      GradientFlow.Report r = measure(kind, act);
      System.out.println(kind.cliName());
      System.out.print(r.table());
      System.out.printf("first / last hidden layer: %.3e%n%n", r.firstOverLastHidden());
    }
    return 0;
  }

  GradientFlow.Report measure(HeadKind kind, Activation act) {
    HeadSpec spec = HeadSpec.builder().inputSize(inputSize).width(width).depth(depth).classes(10).dropout(0)
        .activation(act).build();
    return GradientFlow.ofHeadAtInitialization(kind.create(spec), batch, seed, seed);
  }
}
