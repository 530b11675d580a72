package dev.spinal.cli;

import dev.spinal.core.check.GradientFlow;
import dev.spinal.core.heads.HeadKind;
import dev.spinal.core.heads.HeadSpec;
import dev.spinal.core.layers.Activation;
import dev.spinal.train.plots.Plots;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code spinal grad-flow}: per-layer gradient norms of the three heads at initialization. */
@Command(name = "grad-flow", aliases = "gradflow", description = {"Per-layer weight-gradient norms of the three"
    + " heads on a random batch, at initialization: the gradient-highway measurement.",
    "--plot FILE draws the profile (first hidden layer to output layer, the three heads, sigmoid and ReLU side by"
        + " side, log scale) as a PNG; during training, 'spinal train --grad-norms-every N' logs the same norms"
        + " to TensorBoard."})
final class GradFlowCommand implements Callable<Integer> {

  @Option(names = "--depth", defaultValue = "16", description = "Hidden layers of each head.") int depth;
  @Option(names = "--width", defaultValue = "32", description = "Width of each hidden layer.") long width;
  @Option(names = "--input-size", defaultValue = "64", description = "Size of the random feature vectors.")
  int inputSize;
  @Option(names = "--activation", paramLabel = "ACTIVATION", defaultValue = "sigmoid", converter = Choices.ActivationName.class,
      completionCandidates = Choices.ActivationName.class, description = "Activation of the printed tables:"
      + " ${COMPLETION-CANDIDATES}.")
  String activation;
  @Option(names = "--batch", defaultValue = "64", description = "Examples in the random batch.") int batch;
  @Option(names = "--seed", defaultValue = "5", description = "Seed of the weights and of the batch.") long seed;
  @Option(names = "--plot", paramLabel = "FILE", description = "Also write the gradient-flow profile of the three"
      + " heads with sigmoid and with ReLU to this PNG.")
  Path plot;

  @Override
  public Integer call() {
    Activation act = Activation.valueOf(activation.toUpperCase(Locale.ROOT));
    System.out.printf("depth %d, width %d, %d-d features, %s, batch %d%n%n", depth, width, inputSize, act, batch);
    Map<Activation, Map<HeadKind, GradientFlow.Report>> measured = new LinkedHashMap<>();
    for (HeadKind kind : HeadKind.values()) {
      GradientFlow.Report r = measure(kind, act);
      measured.computeIfAbsent(act, a -> new LinkedHashMap<>()).put(kind, r);
      System.out.println(kind.cliName());
      System.out.print(r.table());
      System.out.printf("first / last hidden layer: %.3e%n%n", r.firstOverLastHidden());
    }
    if (plot != null) {
      Map<String, Map<String, double[]>> panels = new LinkedHashMap<>();
      for (Activation a : new Activation[] {Activation.SIGMOID, Activation.RELU}) {
        Map<String, double[]> heads = new LinkedHashMap<>();
        for (HeadKind kind : HeadKind.values()) {
          // the printed activation's heads are measured already
          GradientFlow.Report r = measured.getOrDefault(a, Map.of()).get(kind);
          heads.put(kind.cliName(), (r != null ? r : measure(kind, a)).layers().stream()
              .mapToDouble(GradientFlow.LayerNorm::norm).toArray());
        }
        panels.put(a == Activation.RELU ? "ReLU" : "sigmoid", heads);
      }
      Plots.gradientFlow(String.format(Locale.ROOT, "Gradient flow at initialization: depth %d, width %d, %d-d"
          + " features, batch %d, seed %d", depth, width, inputSize, batch, seed), panels, plot);
      System.out.println("plot: " + plot);
    }
    return 0;
  }

  GradientFlow.Report measure(HeadKind kind, Activation act) {
    HeadSpec spec = HeadSpec.builder().inputSize(inputSize).width(width).depth(depth).classes(10).dropout(0)
        .activation(act).build();
    return GradientFlow.ofHeadAtInitialization(kind.create(spec), batch, seed, seed);
  }
}
