package dev.spinal.cli;

import dev.spinal.core.GraphContext;
import dev.spinal.core.backbones.Vgg5Backbone;
import dev.spinal.core.heads.HeadSpec;
import dev.spinal.core.heads.ProgressiveSpinalHead;
import dev.spinal.core.model.Model;
import dev.spinal.core.model.ModelGraph;
import dev.spinal.core.runtime.OneDnn;
import dev.spinal.datasets.ImageDataset;
import dev.spinal.savedmodel.ExportedModel;
import dev.spinal.savedmodel.ModelExporter;
import dev.spinal.savedmodel.SavedModelBackbone;
import dev.spinal.spark.BatchInference;
import dev.spinal.spark.FeatureExtraction;
import dev.spinal.spark.ImageEncoding;
import dev.spinal.spark.SparkImages;
import dev.spinal.spark.SparkSessions;
import dev.spinal.train.Runs;
import dev.spinal.train.batches.FeatureExtractor;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code spinal spark bench}: images/s of batch inference and feature extraction in one process and on
 * {@code local[1]}, {@code local[2]}, ... (the executors are threads of this JVM), in interleaved rounds,
 * with the scaling efficiency and the one-time costs a cluster job adds (session start, the model's load
 * on an executor, the first job's code generation).
 */
@Command(name = "bench", description = {
    "Measure images/s of batch inference (VGG-5 + ProgressiveSpinal export) and feature extraction (a backbone"
        + " SavedModel) in one process and on local[N] Spark, with the scaling efficiency.",
    "Data: Fashion-MNIST's test images. Each Spark figure is a job over all of them, the input cached in memory and"
        + " the output discarded (Spark's noop sink), after a first (cold) job that loads the model."})
final class SparkBenchCommand implements Callable<Integer> {

  @Option(names = "--images", paramLabel = "N", defaultValue = "10000", description = "Test images per pass (at most"
      + " 10000).")
  int images;

  @Option(names = "--rounds", paramLabel = "N", defaultValue = "2", description = "Interleaved rounds.")
  int rounds;

  @Option(names = "--cores", paramLabel = "N,N", defaultValue = "1,2", split = ",", description = "local[N] masters"
      + " to measure.")
  List<Integer> cores;

  @Option(names = "--batch", paramLabel = "N", defaultValue = "256", description = "Images per model call.")
  int batch;

  @Option(names = "--backbone", paramLabel = "DIR", defaultValue = "saved-models/mobilenetv2-32", description =
      "Backbone SavedModel for feature extraction.")
  Path backbone;

  @Option(names = "--only", paramLabel = "TASK", description = "predict or features (default: both).")
  String only;

  @Spec CommandSpec spec;

  /**
   * @param coldSeconds what the first job on a fresh session took beyond its images at the measured rate: the
   *     model's load on the executor and Spark's code generation
   * @param otherCores cores other processes kept busy meanwhile (from /proc/stat): a figure measured beside
   *     other work says so
   * @param ownCores cores this JVM kept busy meanwhile (its CPU time / the wall time)
   */
  private record Figure(String task, String path, int round, double imagesPerSecond, double coldSeconds,
      double otherCores, double ownCores) {}

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    ImageDataset test = Runs.loadData("fashion-mnist", null, Math.min(images, 10000), 1).test();
    Path work = Files.createTempDirectory("spinal-spark-bench-");
    try {
      Path model = exportVgg5(work.resolve("model"), test);
      out.printf(Locale.ROOT, "spark bench: %d Fashion-MNIST test images, batches of %d, %d cores; %s%n", test.size(),
          batch, Runtime.getRuntime().availableProcessors(), OneDnn.current().describe());
      if (!"1".equals(System.getenv("TF_OVERRIDE_GLOBAL_THREADPOOL"))) {
        // measured: a "1 thread" session then kept 1.85 cores busy, and local[1] ran as fast as the single process
        out.println("warning: TF_OVERRIDE_GLOBAL_THREADPOOL is not 1: TensorFlow sizes one intra-op pool per process"
            + " from the first session, so the 1-thread and local[1] rows would run on all cores (./spinal sets it)");
      }
      out.flush();
      List<Figure> figures = new ArrayList<>();
      for (int r = 1; r <= rounds; r++) {
        if (only == null || only.equals("predict")) {
          for (int threads : new int[] {0, 1}) {
            Interference i = Interference.start();
            double rate = singlePredict(model, test, threads);
            figures.add(new Figure("predict", threads == 0 ? "single process" : "single, 1 thread", r, rate, 0,
                i.otherCores(), i.ownCores()));
          }
          for (int c : cores) {
            figures.add(spark("predict", c, r, test, work, model));
          }
        }
        if (only == null || only.equals("features")) {
          for (int threads : new int[] {0, 1}) {
            Interference i = Interference.start();
            double rate = singleFeatures(test, threads);
            figures.add(new Figure("features", threads == 0 ? "single process" : "single, 1 thread", r, rate, 0,
                i.otherCores(), i.ownCores()));
          }
          for (int c : cores) {
            figures.add(spark("features", c, r, test, work, model));
          }
        }
        for (Figure f : figures) {
          if (f.round() == r) {
            out.printf(Locale.ROOT, "  round %d %-8s %-16s %8.1f images/s  this JVM %.2f cores, others %.2f%s%n", r,
                f.task(), f.path(), f.imagesPerSecond(), f.ownCores(), f.otherCores(), f.path().startsWith("local")
                    ? String.format(Locale.ROOT, "  first job +%.1f s (model load, code generation)", f.coldSeconds())
                    : "");
          }
        }
        out.flush();
      }
      report(out, figures);
      Runtime rt = Runtime.getRuntime();
      out.printf(Locale.ROOT, "this JVM after the runs: resident %.0f MB, Java heap committed %.0f MB (the rest is"
          + " native: TensorFlow's runtime and the models, Spark's off-heap buffers)%n", BenchCommand.rssKb() / 1024.0,
          rt.totalMemory() / 1048576.0);
      out.flush();
      return 0;
    } finally {
      try (Stream<Path> s = Files.walk(work)) {
        for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  /** VGG-5 (the paper's backbone, 28x28x1) + a ProgressiveSpinal head, seeded weights: an export's real cost. */
  private static Path exportVgg5(Path base, ImageDataset like) throws IOException {
    Vgg5Backbone vgg = new Vgg5Backbone(28, 28, 1);
    HeadSpec spec = HeadSpec.builder().inputSize(vgg.featureSize()).width(64).depth(4).classes(10).build();
    Model model = Model.builder().backbone(vgg).head(new ProgressiveSpinalHead(spec)).build();
    try (ModelGraph graph = ModelGraph.build(model, GraphContext.Mode.INFERENCE, 1, null)) {
      return ModelExporter.export(graph, base, like.classNames(), Map.of("purpose", "spark bench"));
    }
  }

  /** The batches of the test images as the single-process paths feed them. */
  private List<float[]> batches(ImageDataset test) {
    List<float[]> out = new ArrayList<>();
    float scale = (float) (1.0 / 255.0);
    for (int from = 0; from < test.size(); from += batch) {
      int to = Math.min(test.size(), from + batch);
      float[] x = new float[(to - from) * 784];
      for (int i = from; i < to; i++) {
        byte[] b = test.image(i);
        for (int k = 0; k < 784; k++) {
          x[(i - from) * 784 + k] = (b[k] & 0xff) * scale;
        }
      }
      out.add(x);
    }
    return out;
  }

  /** One thread (intra- and inter-op), or with {@code threads} 0 TensorFlow's defaults (all cores). */
  private static org.tensorflow.proto.ConfigProto threads(int threads) {
    return threads == 0 ? null : org.tensorflow.proto.ConfigProto.newBuilder().setIntraOpParallelismThreads(threads)
        .setInterOpParallelismThreads(threads).build();
  }

  private double singlePredict(Path model, ImageDataset test, int threads) throws IOException {
    List<float[]> xs = batches(test);
    try (ExportedModel m = ExportedModel.load(model, threads(threads))) {
      run(xs.get(0), m::predict); // warm-up
      long start = System.nanoTime();
      for (float[] x : xs) {
        run(x, m::predict);
      }
      return test.size() / ((System.nanoTime() - start) / 1e9);
    }
  }

  private double singleFeatures(ImageDataset test, int threads) {
    List<float[]> xs = batches(test);
    SavedModelBackbone b = SavedModelBackbone.load(backbone, 28, 28, 1, false);
    try (FeatureExtractor fx = new FeatureExtractor(b, threads(threads))) {
      run(xs.get(0), fx::features);
      long start = System.nanoTime();
      for (float[] x : xs) {
        run(x, fx::features);
      }
      return test.size() / ((System.nanoTime() - start) / 1e9);
    }
  }

  private static void run(float[] x, java.util.function.Function<TFloat32, ?> f) {
    try (TFloat32 t = TFloat32.tensorOf(Shape.of(x.length / 784, 28, 28, 1), DataBuffers.of(x, true, false))) {
      f.apply(t);
    }
  }

  /**
   * One local[c] session: the images cached, a first job (the model loads on the executor), then the
   * timed job. The model is a fresh copy, so that it loads with this session's thread counts.
   */
  private Figure spark(String task, int c, int round, ImageDataset test, Path work, Path model) throws IOException {
    SparkSession spark = SparkSessions.local(c, "spinal spark bench");
    try {
      // a first job on a few images loads the model on the executor and generates the code; then the timed job
      int first = Math.min(test.size(), 2 * c * batch);
      Dataset<Row> warmUp = SparkImages.of(spark, test.first(first), "test", 2 * c).cache();
      Dataset<Row> all = SparkImages.of(spark, test, "test", 2 * c).cache();
      warmUp.count();
      all.count();
      Path copy = copy(task.equals("predict") ? model : backbone, work.resolve(task + "-" + c + "-" + round));
      double cold = time(job(task, copy, warmUp));
      Interference interference = Interference.start();
      double warm = time(job(task, copy, all));
      double rate = test.size() / warm;
      return new Figure(task, "local[" + c + "]", round, rate, cold - first / rate, interference.otherCores(),
          interference.ownCores());
    } finally {
      spark.stop();
    }
  }

  /** The job of {@code task} over {@code images}, with a model folder loaded under its own key (this session's threads). */
  private Dataset<Row> job(String task, Path modelCopy, Dataset<Row> images) {
    if (task.equals("predict")) {
      return BatchInference.builder(modelCopy.toString()).batchSize(batch).encoding(ImageEncoding.UINT8).build()
          .apply(images);
    }
    return FeatureExtraction.builder(modelCopy.toString(), 28, 28, 1).batchSize(batch).encoding(ImageEncoding.UINT8)
        .build().apply(images);
  }

  /** CPU time other processes used while a figure was measured: all busy time minus this JVM's, from /proc. */
  private record Interference(long busy, long self, long nanos) {
    static Interference start() {
      return new Interference(busyTicks(), selfTicks(), System.nanoTime());
    }

    double ownCores() {
      return (selfTicks() - self) / 100.0 / ((System.nanoTime() - nanos) / 1e9);
    }

    double otherCores() {
      double seconds = (System.nanoTime() - nanos) / 1e9;
      long other = (busyTicks() - busy) - (selfTicks() - self);
      return busy < 0 ? Double.NaN : Math.max(0, other / 100.0 / seconds); // USER_HZ is 100 on Linux
    }

    private static long busyTicks() {
      try {
        String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
        long total = 0;
        for (int i = 1; i < Math.min(f.length, 9); i++) {
          total += Long.parseLong(f[i]);
        }
        return total - Long.parseLong(f[4]) - Long.parseLong(f[5]); // idle, iowait
      } catch (IOException | RuntimeException e) {
        return -1;
      }
    }

    private static long selfTicks() {
      try {
        String stat = Files.readString(Path.of("/proc/self/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime
      } catch (IOException | RuntimeException e) {
        return 0;
      }
    }
  }

  private static double time(Dataset<Row> job) {
    long start = System.nanoTime();
    job.write().format("noop").mode("overwrite").save();
    return (System.nanoTime() - start) / 1e9;
  }

  private static Path copy(Path from, Path to) throws IOException {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : s.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
    return to;
  }

  /** Medians per task and path, and the scaling efficiencies. */
  private void report(PrintWriter out, List<Figure> figures) {
    Map<String, double[]> medians = new LinkedHashMap<>();
    for (Figure f : figures) {
      medians.computeIfAbsent(f.task() + "|" + f.path(), k -> figures.stream()
          .filter(g -> (g.task() + "|" + g.path()).equals(k)).mapToDouble(Figure::imagesPerSecond).toArray());
    }
    out.println();
    out.println("task      path             images/s (median)   rounds");
    for (var e : medians.entrySet()) {
      String[] k = e.getKey().split("\\|");
      out.printf(Locale.ROOT, "%-9s %-16s %10.1f          %s%n", k[0], k[1], median(e.getValue()),
          Arrays.toString(Arrays.stream(e.getValue()).map(v -> Math.round(v * 10) / 10.0).toArray()));
    }
    for (String task : List.of("predict", "features")) {
      double single = median(medians.getOrDefault(task + "|single process", new double[0]));
      double one = median(medians.getOrDefault(task + "|local[1]", new double[0]));
      for (int c : cores) {
        double rate = median(medians.getOrDefault(task + "|local[" + c + "]", new double[0]));
        if (c > 1 && one > 0 && rate > 0) {
          out.printf(Locale.ROOT, "%s: local[%d] = %.2fx local[1] (scaling efficiency %.0f%%), %.2fx the single"
              + " process%n", task, c, rate / one, 100 * rate / (c * one), rate / single);
        }
      }
      double singleOne = median(medians.getOrDefault(task + "|single, 1 thread", new double[0]));
      if (one > 0 && single > 0 && singleOne > 0) {
        out.printf(Locale.ROOT, "%s: local[1] = %.2fx the single process on 1 thread; the single process on all"
            + " cores = %.2fx its 1-thread rate%n", task, one / singleOne, single / singleOne);
      }
    }
    out.flush();
  }

  private static double median(double[] v) {
    if (v.length == 0) {
      return 0;
    }
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }
}
