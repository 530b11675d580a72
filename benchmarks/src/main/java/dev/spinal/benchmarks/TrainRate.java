package dev.spinal.benchmarks;

import dev.spinal.core.backbones.Vgg5Backbone;
import dev.spinal.core.runtime.OneDnn;
import java.util.Locale;

/**
 * VGG-5 + ProgressiveSpinal training images/s at one batch size and thread setting, one line: the
 * probe behind BENCHMARKS.md's "levers that did not help" (run it in one process per setting, interleaved,
 * since {@code TF_ENABLE_ONEDNN_OPTS} and friends are read once per process).
 *
 * <p>Arguments: batch (64), timed steps (20), intra-op threads (0 = TensorFlow's default), inter-op (0).
 */
public final class TrainRate {

  private TrainRate() {}

  public static void main(String[] args) {
    int batch = args.length > 0 ? Integer.parseInt(args[0]) : 64;
    int steps = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    int intra = args.length > 2 ? Integer.parseInt(args[2]) : 0;
    int inter = args.length > 3 ? Integer.parseInt(args[3]) : 0;
    try (SpinalSpeed.Bench bench = new SpinalSpeed.Bench(new Vgg5Backbone(), 64, 10, batch,
        SpinalSpeed.threads(intra, inter))) {
      System.out.printf(Locale.ROOT, "batch %d, intra-op %d, inter-op %d: %.1f images/s (%s)%n", batch, intra, inter,
          bench.rate(3, steps), OneDnn.current().describe());
    }
  }
}
