package dev.spinal.cli;

import dev.spinal.benchmarks.ParityExport;
import dev.spinal.benchmarks.SpinalSpeed;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spinal.core.backbones.FlattenBackbone;
import dev.spinal.core.backbones.Vgg5Backbone;
import dev.spinal.train.Precision;
import dev.spinal.train.Recipe;
import dev.spinal.train.TrainConfig;
import dev.spinal.train.TrainResult;
import dev.spinal.train.Runs;
import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.GraphOptions;
import org.tensorflow.proto.OptimizerOptions;
import org.tensorflow.proto.RewriterConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code peers levers}: Spinal's training speed under session-config variants (thread pools, Grappler,
 * oneDNN bfloat16 auto mixed precision, XLA JIT), measured in interleaved rounds so that the machine's
 * load drifts over all variants alike; medians per variant as JSON lines. With {@code --accuracy N}
 * it also trains Fashion-MNIST (first N images of each split) with the fp32 and the bf16 configs and
 * reports each one's test accuracy and images/s.
 */
@Command(name = "levers", mixinStandardHelpOptions = true,
    description = "Training images/s under session-config variants (interleaved rounds, medians).")
final class LeverBench implements Callable<Integer> {

  @Option(names = "--rounds", defaultValue = "3", description = "Interleaved rounds over all variants.")
  int rounds;
  @Option(names = "--vgg-steps", defaultValue = "12", description = "Timed VGG-5 steps at batch 64.")
  int vggSteps;
  @Option(names = "--head-steps", defaultValue = "12", description = "Head-alone steps at batch 256.")
  int headSteps;
  @Option(names = "--variants", split = ",",
      defaultValue = "default,intra2-inter2,intra2-inter1,intra1-inter2,grappler-off,no-remap,bf16,xla,xla+bf16",
      description = "Variants to measure (${DEFAULT-VALUE}).")
  List<String> variants;
  @Option(names = "--accuracy", defaultValue = "0",
      description = "Also train Fashion-MNIST VGG-5 on the first N images, fp32 vs bf16 (0 = skip).")
  int accuracyImages;
  @Option(names = "--epochs", defaultValue = "1", description = "Epochs of the accuracy runs.") int epochs;

  /** The session config of a named variant (null: TensorFlow's defaults, the trainer's). */
  static ConfigProto variant(String name) {
    ConfigProto.Builder b = ConfigProto.newBuilder();
    RewriterConfig.Builder rewrite = RewriterConfig.newBuilder();
    boolean touchedRewrite = false;
    boolean bf16 = false;
    for (String part : name.split("\\+")) {
      switch (part) {
        case "default" -> {
          return null;
        }
        case "intra2-inter2" -> b.setIntraOpParallelismThreads(2).setInterOpParallelismThreads(2);
        case "intra2-inter1" -> b.setIntraOpParallelismThreads(2).setInterOpParallelismThreads(1);
        case "intra1-inter2" -> b.setIntraOpParallelismThreads(1).setInterOpParallelismThreads(2);
        case "grappler-off" -> {
          rewrite.setDisableMetaOptimizer(true);
          touchedRewrite = true;
        }
        case "no-remap" -> {
          rewrite.setRemapping(RewriterConfig.Toggle.OFF);
          touchedRewrite = true;
        }
        case "bf16" -> bf16 = true;
        case "xla" -> b.setGraphOptions(b.getGraphOptions().toBuilder().setOptimizerOptions(
            OptimizerOptions.newBuilder().setGlobalJitLevel(OptimizerOptions.GlobalJitLevel.ON_1)));
        default -> throw new IllegalArgumentException("unknown variant part '" + part + "'");
      }
    }
    if (touchedRewrite) {
      GraphOptions.Builder g = b.getGraphOptions().toBuilder().setRewriteOptions(rewrite);
      b.setGraphOptions(g);
    }
    ConfigProto config = b.build();
    // what `spinal train --precision bf16` applies, so the lever measures the shipped setting
    return bf16 ? Precision.BF16.apply(config) : config;
  }

  @Override
  public Integer call() throws Exception {
    ObjectMapper json = new ObjectMapper();
    Map<String, List<Double>> vgg = new LinkedHashMap<>();
    Map<String, List<Double>> head = new LinkedHashMap<>();
    for (int r = 0; r < rounds; r++) {
      for (String v : variants) {
        ConfigProto config = variant(v);
        try (SpinalSpeed.Bench m = new SpinalSpeed.Bench(new Vgg5Backbone(), 64, 10, 64, config)) {
          vgg.computeIfAbsent(v, k -> new ArrayList<>()).add(m.rate(3, vggSteps));
        }
        try (SpinalSpeed.Bench m =
            new SpinalSpeed.Bench(new FlattenBackbone(1, 1, 2048), 1024, 250, 256, config)) {
          head.computeIfAbsent(v, k -> new ArrayList<>()).add(m.rate(3, headSteps));
        }
        System.err.printf("levers: round %d %-16s vgg5 b64 %7.1f  head b256 %7.1f images/s%n", r + 1, v,
            last(vgg.get(v)), last(head.get(v)));
      }
    }
    for (String v : variants) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("variant", v);
      row.put("train_vgg5_b64_median", median(vgg.get(v)));
      row.put("train_vgg5_b64_all", vgg.get(v));
      row.put("train_head_b256_median", median(head.get(v)));
      row.put("train_head_b256_all", head.get(v));
      System.out.println(json.writeValueAsString(row));
    }
    if (accuracyImages > 0) {
      for (String v : List.of("default", "bf16")) {
        System.out.println(json.writeValueAsString(accuracy(v)));
      }
    }
    return 0;
  }

  private Map<String, Object> accuracy(String variant) throws Exception {
    TrainConfig base = Recipe.parse("fashion-mnist-vgg5").config();
    TrainConfig config = base.toBuilder().limit(accuracyImages).epochs(epochs).schedule("constant")
        .keepCheckpoints(1).precision("bf16".equals(variant) ? Precision.BF16 : Precision.FP32).build();
    Path dir = Files.createTempDirectory("spinal-levers-" + variant + "-");
    Files.delete(dir);
    PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
    TrainResult result = Runs.start(config, Runs.Options.of(dir).withProgress(false).withLog(quiet));
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("accuracy_variant", variant);
    row.put("images", accuracyImages);
    row.put("epochs", epochs);
    row.put("test_accuracy", result.testAccuracy());
    row.put("validation_accuracy", result.validationAccuracy());
    row.put("train_images_per_s",
        result.history().stream().mapToDouble(e -> e.imagesPerSecond()).boxed().toList());
    row.put("seconds", result.seconds());
    row.put("run_dir", dir.toString());
    return row;
  }

  private static double last(List<Double> xs) {
    return xs.get(xs.size() - 1);
  }

  static double median(List<Double> xs) {
    double[] a = xs.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(a);
    return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
  }
}
