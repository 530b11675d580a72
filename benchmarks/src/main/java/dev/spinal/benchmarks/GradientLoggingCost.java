package dev.spinal.benchmarks;

import dev.spinal.core.GraphContext;
import dev.spinal.core.backbones.Vgg5Backbone;
import dev.spinal.core.model.ModelGraph;
import dev.spinal.core.runtime.OneDnn;
import dev.spinal.train.TensorBoardWriter;
import dev.spinal.train.TrainingGraph;
import dev.spinal.train.callbacks.TensorBoardLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.proto.DeviceStepStats;
import org.tensorflow.proto.NodeExecStats;
import org.tensorflow.proto.RunMetadata;
import org.tensorflow.proto.RunOptions;
import org.tensorflow.types.TInt64;

/**
 * What gradient logging ({@code spinal train --grad-norms-every N --histograms-every M}) costs a VGG-5 +
 * ProgressiveSpinal training step (batch 64, Adam, one fixed random batch): plain steps, steps that also
 * fetch the per-layer gradient norms and write them to TensorBoard, and histogram steps that also copy every
 * weight and gradient out and write their histograms. All in one process, interleaved step by step (plain,
 * norms, plain, norms, ..., a histogram step after every fourth pair), so that a change of machine load
 * hits the kinds alike; each measured step is compared with the mean of the plain steps beside it, and the
 * medians of those paired differences are reported with the median step times, then the amortized cost at
 * the given intervals. Machine load blurs step times by more than the norms cost, so it also runs a few
 * steps with TensorFlow's trace on and sums the kernel time of the monitor's own ops ({@code gradient_monitor/}:
 * squares, sums, square roots, the stack) in a step that fetches the norms: their compute cost, whatever the
 * load does to the wall clock.
 *
 * <p>Arguments: pairs (40), the norm interval (100) and the histogram interval (1000) to amortize over.
 */
public final class GradientLoggingCost {

  private GradientLoggingCost() {}

  private static final int PLAIN = 0;
  private static final int NORMS = 1;
  private static final int HISTOGRAMS = 2;

  public static void main(String[] args) throws Exception {
    int pairs = args.length > 0 ? Integer.parseInt(args[0]) : 40;
    int normsEvery = args.length > 1 ? Integer.parseInt(args[1]) : 100;
    int histogramsEvery = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
    Path logDir = Files.createTempDirectory("spinal-gradient-cost");
    List<Integer> kinds = new ArrayList<>();
    for (int i = 0; i < pairs; i++) {
      kinds.add(PLAIN);
      kinds.add(NORMS);
      if (i % 4 == 3) {
        kinds.add(PLAIN);
        kinds.add(HISTOGRAMS);
      }
    }
    kinds.add(PLAIN);
    double[] ms = new double[kinds.size()];
    try (SpinalSpeed.Bench bench = new SpinalSpeed.Bench(new Vgg5Backbone(), 64, 10, 64, null);
        TensorBoardWriter writer = new TensorBoardWriter(logDir)) {
      System.out.printf(Locale.ROOT, "VGG-5 + progressive head, batch 64: %d monitored weights; %s%n",
          bench.graph.monitoredWeights().size(), OneDnn.current().describe());
      // warm-up: each kind's first run builds its executor (TensorFlow prepares one per set of fetches)
      int[] warmUp = {PLAIN, PLAIN, PLAIN, NORMS, NORMS, HISTOGRAMS, HISTOGRAMS};
      StringBuilder first = new StringBuilder();
      for (int kind : warmUp) {
        first.append(String.format(Locale.ROOT, " %s %.0f ms,", kind == PLAIN ? "plain" : kind == NORMS ? "norms"
            : "histograms", step(bench, writer, kind)));
      }
      System.out.println("warm-up steps:" + first.substring(0, first.length() - 1));
      for (int i = 0; i < ms.length; i++) {
        ms[i] = step(bench, writer, kinds.get(i));
      }
      List<Double> kernels = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        kernels.add(monitorKernelMillis(bench));
      }
      System.out.printf(Locale.ROOT, "kernel time of the norm ops (gradient_monitor/*, traced, median of 5 steps):"
          + " %.2f ms per measured step%n", median(kernels));
    }
    List<Double> plain = new ArrayList<>();
    List<Double> norms = new ArrayList<>();
    List<Double> histograms = new ArrayList<>();
    List<Double> normsExtra = new ArrayList<>();
    List<Double> histogramsExtra = new ArrayList<>();
    for (int i = 0; i < ms.length; i++) {
      int kind = kinds.get(i);
      if (kind == PLAIN) {
        plain.add(ms[i]);
        continue;
      }
      // both neighbours are plain steps by construction
      double beside = (ms[i - 1] + ms[i + 1]) / 2;
      (kind == NORMS ? norms : histograms).add(ms[i]);
      (kind == NORMS ? normsExtra : histogramsExtra).add(ms[i] - beside);
    }
    double p = median(plain);
    double dn = median(normsExtra);
    double dh = median(histogramsExtra);
    System.out.printf(Locale.ROOT, "median step: plain %.1f ms (%d steps), with norms %.1f ms (%d), with histograms"
        + " %.1f ms (%d)%n", p, plain.size(), median(norms), norms.size(), median(histograms), histograms.size());
    System.out.printf(Locale.ROOT, "median extra vs the plain steps beside it: norms %+.1f ms (%+.2f%%, quartiles"
        + " %s), histograms %+.1f ms (%+.1f%%, quartiles %s)%n", dn, 100 * dn / p, quartiles(normsExtra), dh,
        100 * dh / p, quartiles(histogramsExtra));
    double amortized = (dn / normsEvery + (dh - dn) / histogramsEvery) / p;
    System.out.printf(Locale.ROOT, "amortized over a run with norms every %d and histograms every %d steps: %+.3f%%"
        + " of the step time%n", normsEvery, histogramsEvery, 100 * amortized);
  }

  /** One step of a kind with its TensorBoard writes; its wall time in ms. */
  private static double step(SpinalSpeed.Bench bench, TensorBoardWriter writer, int kind) {
    long t0 = System.nanoTime();
    if (kind == PLAIN) {
      bench.graph.trainStep(bench.images, bench.labels, bench.step++);
    } else {
      try (TrainingGraph.MonitoredStep m = bench.graph.trainStepMonitored(bench.images, bench.labels,
          bench.step++, kind == HISTOGRAMS)) {
        TensorBoardLog.write(writer, m.gradients());
      }
    }
    return (System.nanoTime() - t0) / 1e6;
  }

  /**
   * Kernel milliseconds of the {@code gradient_monitor/} ops in one traced run that computes the loss, the
   * gradients and their norms (no update: the weights stay as they are).
   */
  private static double monitorKernelMillis(SpinalSpeed.Bench bench) {
    Graph g = bench.graph.graph();
    RunOptions trace = RunOptions.newBuilder().setTraceLevel(RunOptions.TraceLevel.FULL_TRACE).build();
    try (TInt64 step = TInt64.scalarOf(bench.step);
        Result r = bench.graph.session().runner()
            .feed(g.operation(ModelGraph.IMAGES).output(0), bench.images)
            .feed(g.operation(ModelGraph.LABELS).output(0), bench.labels)
            .feed(g.operation(GraphContext.STEP_INPUT).output(0), step)
            .fetch("gradient_monitor/gradient_norms")
            .setOptions(trace)
            .runAndFetchMetadata()) {
      RunMetadata meta = r.getMetadata().orElseThrow();
      double micros = 0;
      for (DeviceStepStats device : meta.getStepStats().getDevStatsList()) {
        for (NodeExecStats node : device.getNodeStatsList()) {
          if (node.getNodeName().startsWith("gradient_monitor/")) {
            micros += node.getOpEndRelMicros() - node.getOpStartRelMicros();
          }
        }
      }
      return micros / 1000;
    }
  }

  private static double median(List<Double> values) {
    return quantile(values, 0.5);
  }

  private static double quantile(List<Double> values, double q) {
    double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    double at = q * (v.length - 1);
    int lo = (int) Math.floor(at);
    int hi = (int) Math.ceil(at);
    return v[lo] + (v[hi] - v[lo]) * (at - lo);
  }

  private static String quantilesText(double a, double b) {
    return String.format(Locale.ROOT, "%+.1f..%+.1f ms", a, b);
  }

  private static String quartiles(List<Double> values) {
    return quantilesText(quantile(values, 0.25), quantile(values, 0.75));
  }
}
