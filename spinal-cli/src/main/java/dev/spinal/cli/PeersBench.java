package dev.spinal.cli;

import dev.spinal.benchmarks.MatMulCeiling;
import dev.spinal.benchmarks.ParityExport;
import dev.spinal.benchmarks.SpinalSpeed;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spinal.core.backbones.FlattenBackbone;
import dev.spinal.core.backbones.Vgg5Backbone;
import dev.spinal.savedmodel.ExportedModel;
import dev.spinal.savedmodel.ModelExporter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import org.tensorflow.Result;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code peers bench}: Spinal's rows of the peer table, one JSON object on stdout:
 * training images/s of VGG-5 + ProgressiveSpinal (width 64, depth 4, 10 classes) at batch 64;
 * of the head alone on 2048-d features (width 1024, depth 4, 250 classes) at batch 16 and 256;
 * inference of the exported SavedModel through the Java API ({@link ExportedModel}, the
 * {@code serving_default} signature): latency at batch 1 (p50, p99) and images/s at batch 256;
 * and the process's peak RSS. The PyTorch and Keras scripts in {@code benchmarks/peers/} measure the
 * same rows the same way.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Spinal's speed rows for the peer table (JSON on stdout).")
final class PeersBench implements Callable<Integer> {

  @Option(names = "--threads", defaultValue = "2", description = "Intra-op threads.") int threads;
  @Option(names = "--inter-threads", defaultValue = "2", description = "Inter-op threads.") int interThreads;
  @Option(names = "--vgg-steps", defaultValue = "15", description = "Timed VGG-5 training steps (batch 64).")
  int vggSteps;
  @Option(names = "--head16-steps", defaultValue = "100", description = "Timed head-alone training steps at"
      + " batch 16.")
  int head16Steps;
  @Option(names = "--head256-steps", defaultValue = "15", description = "Timed head-alone training steps at"
      + " batch 256.")
  int head256Steps;
  @Option(names = "--latency-calls", defaultValue = "1000", description = "Timed batch-1 calls of the exported"
      + " model (after " + LATENCY_WARMUP + " untimed ones).")
  int latencyCalls;

  /** Untimed calls before the latency is timed; the same in the peers' bench_peer.py. */
  static final int LATENCY_WARMUP = 100;
  @Option(names = "--infer256-calls", defaultValue = "8", description = "Timed batch-256 calls of the exported"
      + " model.")
  int infer256Calls;
  @Option(names = "--warmup", defaultValue = "3", description = "Untimed training steps before each timing"
      + " (three times as many for the batch-16 head).")
  int warmup;
  @Option(names = "--rows", defaultValue = "all", paramLabel = "ROWS", converter = Choices.BenchRows.class,
      completionCandidates = Choices.BenchRows.class, description = "${COMPLETION-CANDIDATES}: the training rows"
      + " (with the MatMul ceiling) or the inference rows only, so that each can run in a process with its own"
      + " oneDNN setting.")
  String rows;

  @Override
  public Integer call() throws Exception {
    var session = SpinalSpeed.threads(threads, interThreads);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("framework", "spinal");
    out.put("version", "TensorFlow Java " + Versions.tensorFlowJava() + " / TF " + Versions.tensorFlowNative());
    out.put("intra_op_threads", threads);
    out.put("inter_op_threads", interThreads);

    if (!List.of("all", "train", "infer").contains(rows)) {
      throw new IllegalArgumentException("--rows must be all, train or infer, got '" + rows + "'");
    }
    boolean train = !rows.equals("infer");
    boolean infer = !rows.equals("train");
    out.put("onednn", dev.spinal.core.runtime.OneDnn.current().on());
    Path exportBase = Files.createTempDirectory("spinal-peers-export-");
    try {
      if (train) {
        double matmul = MatMulCeiling.gflops(20);
        out.put("matmul_gflops", matmul);
        // 3 x the forward FLOPs per image (forward + the two backward products), as spinal bench counts them
        Vgg5Backbone backbone = new Vgg5Backbone();
        out.put("vgg5_train_gflop_per_image", 3.0 * (backbone.flopsPerExample()
            + SpinalSpeed.model(backbone, 64, 10).head().flopsPerExample()) / 1e9);
      }
      try (SpinalSpeed.Bench vgg = new SpinalSpeed.Bench(new Vgg5Backbone(), 64, 10, 64, session)) {
        if (train) {
          out.put("train_vgg5_b64", vgg.rate(warmup, vggSteps));
        }
        if (infer) {
          ModelExporter.export(vgg.graph().inference(), exportBase, classNames(10), Map.of("purpose", "peers bench"));
        }
      }
      FlattenBackbone features = new FlattenBackbone(1, 1, 2048);
      if (train) {
        try (SpinalSpeed.Bench head = new SpinalSpeed.Bench(features, 1024, 250, 16, session)) {
          out.put("train_head_b16", head.rate(warmup * 3, head16Steps));
        }
        try (SpinalSpeed.Bench head = new SpinalSpeed.Bench(features, 1024, 250, 256, session)) {
          out.put("train_head_b256", head.rate(warmup, head256Steps));
        }
      }
      if (!infer) {
        out.put("peak_rss_mb", peakRssMb());
        System.out.println(new ObjectMapper().writeValueAsString(out));
        return 0;
      }
      try (ExportedModel model = ExportedModel.load(exportBase)) {
        SessionFunction serving = model.bundle().function(Signature.DEFAULT_KEY);
        double[] latencies = new double[latencyCalls];
        try (TFloat32 one = images(1)) {
          Map<String, Tensor> input = Map.of("images", one);
          for (int i = 0; i < LATENCY_WARMUP; i++) {
            call(serving, input);
          }
          for (int i = 0; i < latencyCalls; i++) {
            long t0 = System.nanoTime();
            call(serving, input);
            latencies[i] = (System.nanoTime() - t0) / 1e6;
          }
        }
        Arrays.sort(latencies);
        out.put("infer_b1_p50_ms", percentile(latencies, 50));
        out.put("infer_b1_p99_ms", percentile(latencies, 99));
        try (TFloat32 batch = images(256)) {
          Map<String, Tensor> input = Map.of("images", batch);
          call(serving, input);
          long t0 = System.nanoTime();
          for (int i = 0; i < infer256Calls; i++) {
            call(serving, input);
          }
          out.put("infer_b256", 256.0 * infer256Calls / ((System.nanoTime() - t0) / 1e9));
        }
      }
    } finally {
      deleteTree(exportBase);
    }
    out.put("peak_rss_mb", peakRssMb());
    System.out.println(new ObjectMapper().writeValueAsString(out));
    return 0;
  }

  private static void call(SessionFunction f, Map<String, Tensor> input) {
    try (Result r = f.call(input)) {
      r.get("logits").orElseThrow();
    }
  }

  private static TFloat32 images(int n) {
    float[] x = new float[n * 28 * 28];
    Random random = new Random(2);
    for (int i = 0; i < x.length; i++) {
      x[i] = random.nextFloat();
    }
    return TFloat32.tensorOf(Shape.of(n, 28, 28, 1), DataBuffers.of(x, true, false));
  }

  static double percentile(double[] sorted, double p) {
    int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  private static List<String> classNames(int n) {
    return java.util.stream.IntStream.range(0, n).mapToObj(i -> "class" + i).toList();
  }

  /** VmHWM: the process's peak resident set, in MB. */
  static double peakRssMb() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmHWM:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
      }
    }
    return -1;
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (var walk = Files.walk(root)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
