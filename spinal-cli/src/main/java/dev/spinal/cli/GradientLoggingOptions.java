package dev.spinal.cli;

import dev.spinal.train.GradientLogging;
import picocli.CommandLine.Option;

/** {@code --grad-norms-every} and {@code --histograms-every}, shared by {@code train} and {@code ablate} as a mixin. */
final class GradientLoggingOptions {

  @Option(names = "--grad-norms-every", paramLabel = "N", defaultValue = "100", description = "Log every layer's"
      + " weight-gradient norm to the run's tensorboard/ every N training steps (fetched with the step: no extra"
      + " pass; 0: off).")
  int gradNormsEvery;

  @Option(names = "--histograms-every", paramLabel = "N", defaultValue = "1000", description = "Also log histograms"
      + " of every layer's weights and gradients every N steps (they copy the weights out: keep N large; 0: off).")
  int histogramsEvery;

  /** The gradient logging the options ask for. */
  GradientLogging gradientLogging() {
    if (gradNormsEvery < 0 || histogramsEvery < 0) {
      throw new IllegalArgumentException("--grad-norms-every and --histograms-every must be >= 0 (0: off), got "
          + gradNormsEvery + " and " + histogramsEvery);
    }
    return new GradientLogging(gradNormsEvery, histogramsEvery);
  }
}
