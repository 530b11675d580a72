package dev.spinal.benchmarks;

import dev.spinal.core.backbones.Vgg5Backbone;
import dev.spinal.core.runtime.OneDnn;
import java.io.PrintStream;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tensorflow.GraphOperation;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.proto.DeviceStepStats;
import org.tensorflow.proto.NodeExecStats;
import org.tensorflow.proto.RunMetadata;

/**
 * Where a VGG-5 + ProgressiveSpinal training step spends its time: traced steps ({@code RunOptions}
 * {@code FULL_TRACE}) of the trainer's own graph, kernel times summed per kernel type (the names
 * TensorFlow ran, e.g. {@code _MklNativeConv2DBackpropFilter} when oneDNN rewrote the op) and, for each
 * convolution layer, forward / filter-gradient / input-gradient time with the rate each reaches
 * (analytic FLOPs: {@code 2 x H x W x Cout x kh x kw x Cin} per image, the same for all three).
 *
 * <p>Kernel times overlap when TensorFlow runs two kernels at once on its inter-op pool, so their sum can
 * exceed the step's wall time; the traced step is also slower than an untraced one.
 */
public final class StepProfile {

  private static final Pattern CONV_LAYER = Pattern.compile("(vgg5/block\\d+_conv\\d+)/");
  private static final Pattern KERNEL_TYPE = Pattern.compile("=\\s*([A-Za-z0-9_]+)\\(");

  private final Map<String, String> layerOfNode = new TreeMap<>();
  private final Map<String, Double> flopsPerImage = new LinkedHashMap<>();
  private final Map<String, Double> microsByKernel = new TreeMap<>();
  private final Map<String, double[]> convMicros = new TreeMap<>(); // layer -> forward, filter grad, input grad
  private double wallMicros;
  private int steps;

  private StepProfile(org.tensorflow.Graph graph) {
    mapConvolutions(graph);
  }

  /** Arguments: warm-up steps (5), traced steps (5), batch (64), intra-op threads (0 = TF's default), inter-op (1). */
  public static void main(String[] args) {
    int warmup = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    int traced = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    int batch = args.length > 2 ? Integer.parseInt(args[2]) : 64;
    int intra = args.length > 3 ? Integer.parseInt(args[3]) : 0;
    int inter = args.length > 4 ? Integer.parseInt(args[4]) : 1;
    run(System.out, warmup, traced, batch, intra, inter);
  }

  /**
   * Profiles {@code traced} steps of VGG-5 + ProgressiveSpinal at {@code batch} after {@code warmup}
   * untimed ones and prints the two tables to {@code out}. Inter-op 1 runs one kernel at a time, so
   * each kernel's time is its own (with 2, two kernels share the cores and both look slower).
   */
  public static void run(PrintStream out, int warmup, int traced, int batch, int intra, int inter) {
    try (SpinalSpeed.Bench bench = new SpinalSpeed.Bench(new Vgg5Backbone(), 64, 10, batch,
        SpinalSpeed.threads(intra, inter))) {
      StepProfile profile = new StepProfile(bench.graph().graph());
      bench.steps(warmup);
      for (int s = 0; s < traced; s++) {
        long t0 = System.nanoTime();
        RunMetadata trace = bench.traceStep();
        profile.wallMicros += (System.nanoTime() - t0) / 1e3;
        profile.add(trace);
      }
      out.printf(Locale.ROOT, "intra-op threads %d, inter-op threads %d (0 = TensorFlow's default)%n", intra, inter);
      profile.print(out, batch);
    }
  }

  private void add(RunMetadata trace) {
    steps++;
    for (DeviceStepStats device : trace.getStepStats().getDevStatsList()) {
      for (NodeExecStats node : device.getNodeStatsList()) {
        double micros = node.getOpEndRelMicros() - node.getOpStartRelMicros();
        if (micros <= 0) {
          continue;
        }
        String kernel = kernelType(node);
        microsByKernel.merge(kernel, micros, Double::sum);
        int kind = convKind(kernel);
        String layer = layerOfNode.get(node.getNodeName());
        if (layer == null && kind == 0) {
          // Grappler fuses conv + bias into one node named after the bias op, in the layer's scope
          Matcher scoped = CONV_LAYER.matcher(node.getNodeName() + "/");
          layer = scoped.find() ? scoped.group(1) : null;
        }
        if (kind >= 0 && layer != null) {
          convMicros.computeIfAbsent(layer, k -> new double[3])[kind] += micros;
        }
      }
    }
  }

  /** The kernel TensorFlow ran, from the trace's "name = Type(inputs)" label, else the node name. */
  private static String kernelType(NodeExecStats node) {
    Matcher m = KERNEL_TYPE.matcher(node.getTimelineLabel());
    return m.find() ? m.group(1) : node.getNodeName();
  }

  /** 0 forward convolution, 1 filter gradient, 2 input gradient, -1 not a convolution. */
  private static int convKind(String kernel) {
    if (kernel.contains("Conv2DBackpropFilter")) {
      return 1;
    }
    if (kernel.contains("Conv2DBackpropInput")) {
      return 2;
    }
    return kernel.contains("Conv2D") ? 0 : -1;
  }

  /**
   * Which conv layer each convolution node belongs to, and each layer's forward FLOPs per image from
   * the forward op's static shapes. The gradient nodes have generic names ({@code
   * gradients/Conv2DBackpropFilter_3}): an input gradient is the layer whose kernel it reads, a filter
   * gradient the layer whose forward convolution reads the same input.
   */
  private void mapConvolutions(org.tensorflow.Graph graph) {
    Map<String, String> layerOfConvInput = new TreeMap<>();
    graph.operations().forEachRemaining(op -> {
      Matcher layer = CONV_LAYER.matcher(op.name() + "/");
      if (op.type().equals("Conv2D") && layer.find()) {
        GraphOperation conv = (GraphOperation) op;
        Shape out = conv.output(0).shape();
        Shape kernel = conv.input(1).shape();
        flopsPerImage.put(layer.group(1), 2.0 * out.get(1) * out.get(2) * out.get(3)
            * kernel.get(0) * kernel.get(1) * kernel.get(2));
        layerOfNode.put(op.name(), layer.group(1));
        layerOfConvInput.put(conv.input(0).op().name(), layer.group(1));
      }
    });
    graph.operations().forEachRemaining(op -> {
      GraphOperation node = (GraphOperation) op;
      if (op.type().equals("Conv2DBackpropFilter")) {
        String layer = layerOfConvInput.get(node.input(0).op().name());
        if (layer != null) {
          layerOfNode.put(op.name(), layer);
        }
      } else if (op.type().equals("Conv2DBackpropInput")) {
        Matcher layer = CONV_LAYER.matcher(node.input(1).op().name() + "/");
        if (layer.find()) {
          layerOfNode.put(op.name(), layer.group(1));
        }
      }
    });
  }

  private void print(PrintStream out, int batch) {
    double total = microsByKernel.values().stream().mapToDouble(Double::doubleValue).sum();
    out.printf(Locale.ROOT, "%s; %d traced steps of batch %d, wall %.1f ms per traced step, kernel time %.1f ms"
        + " per step%n%n", OneDnn.current().describe(), steps, batch, wallMicros / steps / 1e3, total / steps / 1e3);
    out.println("| kernel | ms per step | share |");
    out.println("|---|---|---|");
    microsByKernel.entrySet().stream()
        .sorted(Map.Entry.<String, Double>comparingByValue(Comparator.reverseOrder()))
        .filter(e -> e.getValue() / total >= 0.002)
        .forEach(e -> out.printf(Locale.ROOT, "| %s | %.2f | %.1f %% |%n", e.getKey(), e.getValue() / steps / 1e3,
            100 * e.getValue() / total));
    out.println();
    out.println("| conv layer | GFLOP per step (each pass) | forward ms (GFLOP/s) | filter gradient ms (GFLOP/s)"
        + " | input gradient ms (GFLOP/s) |");
    out.println("|---|---|---|---|---|");
    double[] sums = new double[3];
    double[] gflopSums = new double[3]; // over the layers that ran each pass (the images need no input gradient)
    for (Map.Entry<String, double[]> e : convMicros.entrySet()) {
      double gflop = flopsPerImage.getOrDefault(e.getKey(), Double.NaN) * batch / 1e9;
      double[] us = e.getValue();
      out.printf(Locale.ROOT, "| %s | %.2f | %s | %s | %s |%n", e.getKey(), gflop, rate(us[0], gflop),
          rate(us[1], gflop), rate(us[2], gflop));
      for (int k = 0; k < 3; k++) {
        sums[k] += us[k];
        gflopSums[k] += us[k] > 0 ? gflop : 0;
      }
    }
    out.printf(Locale.ROOT, "| all | %.2f | %s | %s | %s |%n", gflopSums[0], rate(sums[0], gflopSums[0]),
        rate(sums[1], gflopSums[1]), rate(sums[2], gflopSums[2]));
  }

  private String rate(double micros, double gflop) {
    if (micros == 0) {
      return "-";
    }
    double ms = micros / steps / 1e3;
    return String.format(Locale.ROOT, "%.2f (%.0f)", ms, gflop / (ms / 1e3));
  }
}
