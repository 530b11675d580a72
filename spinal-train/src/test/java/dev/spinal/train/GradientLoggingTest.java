package dev.spinal.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spinal.core.GraphContext;
import dev.spinal.core.check.GradientFlow;
import dev.spinal.core.heads.HeadKind;
import dev.spinal.core.model.Model;
import dev.spinal.core.model.ModelGraph;
import dev.spinal.datasets.Batch;
import dev.spinal.datasets.DatasetSplits;
import dev.spinal.train.batches.BatchSource;
import dev.spinal.train.batches.ImageBatches;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Result;
import org.tensorflow.proto.Event;
import org.tensorflow.proto.HistogramProto;
import org.tensorflow.proto.Summary;
import org.tensorflow.types.TFloat32;

/**
 * Gradient logging during training ({@link GradientLogging}, {@code spinal train --grad-norms-every}): the
 * event file holds a norm per layer at every measured step and histograms of weights and gradients at the
 * histogram steps; the norm logged at step 0 is the gradient an independent {@link GradientFlow} computes
 * on the same first batch; logging leaves the training itself unchanged. The event file and what it must
 * hold go to {@code target/python-check/tensorboard-gradients/}, where run-tests reads them with
 * TensorBoard's own {@code EventAccumulator}.
 */
class GradientLoggingTest {

  @TempDir static Path dir;
  static TrainResult logged;
  static Path eventFile;
  static final List<String> LAYERS = List.of("progressive_spinal_head/layer1", "progressive_spinal_head/layer2",
      "progressive_spinal_head/layer3", "progressive_spinal_head/output");
  /** Kernel sizes: 784 features, width 16, depth 3, 10 classes. */
  static final List<Integer> KERNEL_SIZES = List.of(784 * 16, 800 * 16, 816 * 16, 832 * 10);

  static TrainConfig config() {
    return TrainConfig.builder()
        .dataset("fashion-mnist").limit(800).backbone("flatten")
        .head(HeadKind.PROGRESSIVE).width(16).depth(3).dropout(0).batchNorm(false)
        .optimizer(OptimizerKind.ADAM).learningRate(0.001)
        .batchSize(32).epochs(1).schedule("constant").seed(3).keepCheckpoints(1)
        .build();
  }

  @BeforeAll
  static void trainWithLogging() throws Exception {
    // 720 training images / 32 = 22 steps: norms at steps 0, 5, 10, 15, 20; histograms at 0 and 10
    logged = Runs.start(config(), Runs.Options.of(dir.resolve("logged")).withProgress(false)
        .withGradientLogging(GradientLogging.every(5).withHistogramsEvery(10)));
    try (Stream<Path> s = Files.list(dir.resolve("logged/tensorboard"))) {
      eventFile = s.filter(p -> p.getFileName().toString().startsWith("events.out.tfevents")).findFirst()
          .orElseThrow();
    }
  }

  /** {tag: {step: value}} of the scalars; histograms separately. */
  static Map<String, Map<Long, Float>> scalars() throws Exception {
    Map<String, Map<Long, Float>> out = new TreeMap<>();
    for (Event e : TensorBoardEvents.read(eventFile)) {
      for (Summary.Value v : e.getSummary().getValueList()) {
        if (!v.hasHisto()) {
          out.computeIfAbsent(v.getTag(), t -> new TreeMap<>())
              .put(e.getStep(), v.hasTensor() ? v.getTensor().getFloatVal(0) : v.getSimpleValue());
        }
      }
    }
    return out;
  }

  static Map<String, Map<Long, HistogramProto>> histograms() throws Exception {
    Map<String, Map<Long, HistogramProto>> out = new TreeMap<>();
    for (Event e : TensorBoardEvents.read(eventFile)) {
      for (Summary.Value v : e.getSummary().getValueList()) {
        if (v.hasHisto()) {
          out.computeIfAbsent(v.getTag(), t -> new TreeMap<>()).put(e.getStep(), v.getHisto());
        }
      }
    }
    return out;
  }

  @Test
  void everyLayerHasANormAtEveryMeasuredStepAndHistogramsAtTheHistogramSteps() throws Exception {
    Map<String, Map<Long, Float>> scalars = scalars();
    Map<String, Map<Long, HistogramProto>> histograms = histograms();
    for (int i = 0; i < LAYERS.size(); i++) {
      String name = String.format("%02d_%s", i + 1, LAYERS.get(i));
      assertThat(scalars.get("gradient_norm/" + name)).as(name).containsOnlyKeys(0L, 5L, 10L, 15L, 20L);
      assertThat(scalars.get("gradient_norm/" + name).values()).allSatisfy(v -> assertThat(v).isPositive());
      for (String kind : List.of("gradients/", "weights/")) {
        Map<Long, HistogramProto> h = histograms.get(kind + name);
        assertThat(h).as(kind + name).containsOnlyKeys(0L, 10L, 20L);
        assertThat(h.get(0L).getNum()).isEqualTo((double) KERNEL_SIZES.get(i));
        assertThat(h.get(0L).getBucketCount()).isPositive();
      }
    }
    assertThat(scalars.get("gradient_flow/head_first_over_last_hidden")).containsOnlyKeys(0L, 5L, 10L, 15L, 20L);
    // the weights at step 0 are the initial ones: TORCH_DEFAULT's bound 1/sqrt(fan_in), not moved by a step
    HistogramProto first = histograms.get("weights/01_" + LAYERS.get(0)).get(0L);
    assertThat(Math.max(-first.getMin(), first.getMax())).isLessThanOrEqualTo(1 / Math.sqrt(784));
    // the epoch's scalars are still there
    assertThat(scalars).containsKeys("train/loss", "validation/accuracy");
  }

  /** The logged step-0 norms and weights are those of the run's first batch at the initial weights. */
  @Test
  void stepZeroNormsAreTheGradientsOfTheFirstBatchAtInitialization() throws Exception {
    TrainConfig config = config();
    DatasetSplits data = Runs.loadData(config);
    Model model = Runs.model(config, data.train());
    double[] expected;
    double[] kernelSums = new double[LAYERS.size()];
    try (ModelGraph graph = ModelGraph.build(model, GraphContext.Mode.TRAINING, config.seed(), null);
        BatchSource.Batches batches = ImageBatches.of(data.train()).epoch(0, config.batchSize(), config.seed());
        Batch first = batches.next()) {
      GradientFlow flow = GradientFlow.build(graph.graph(), graph.loss(), graph.classifier().head().layers());
      GradientFlow.Report report = flow.measure(graph.session(),
          Map.of(graph.images(), first.images(), graph.labels(), first.labels()));
      expected = report.layers().stream().mapToDouble(GradientFlow.LayerNorm::norm).toArray();
      var runner = graph.session().runner();
      graph.classifier().head().layers().forEach(l -> runner.fetch(l.kernel()));
      try (Result r = runner.run()) {
        for (int i = 0; i < r.size(); i++) {
          TFloat32 k = (TFloat32) r.get(i);
          float[] v = new float[(int) k.shape().size()];
          k.asRawTensor().data().asFloats().read(v);
          for (float x : v) {
            kernelSums[i] += x;
          }
        }
      }
    }
    Map<String, Map<Long, Float>> scalars = scalars();
    Map<String, Map<Long, HistogramProto>> histograms = histograms();
    for (int i = 0; i < LAYERS.size(); i++) {
      String name = String.format("%02d_%s", i + 1, LAYERS.get(i));
      assertThat((double) scalars.get("gradient_norm/" + name).get(0L)).as(name)
          .isCloseTo(expected[i], within(1e-5 * expected[i]));
      assertThat(histograms.get("weights/" + name).get(0L).getSum()).as(name)
          .isCloseTo(kernelSums[i], within(1e-3 + 1e-4 * Math.abs(kernelSums[i])));
    }
    assertThat((double) scalars.get("gradient_flow/head_first_over_last_hidden").get(0L))
        .isCloseTo(expected[0] / expected[2], within(1e-4 * expected[0] / expected[2]));
  }

  @Test
  void loggingLeavesTheTrainingUnchanged() {
    TrainResult plain = Runs.start(config(), Runs.Options.of(dir.resolve("plain")).withProgress(false));
    assertThat(plain.history()).hasSize(1);
    assertThat(plain.history().get(0).trainLoss()).isEqualTo(logged.history().get(0).trainLoss());
    assertThat(plain.history().get(0).validationLoss()).isEqualTo(logged.history().get(0).validationLoss());
    assertThat(plain.testAccuracy()).isEqualTo(logged.testAccuracy());
  }

  /**
   * Leaves the event file for run-tests' Python check with what it must find: every tag with its steps, and
   * each histogram's value count and (for the step-0 weights) its sum as Java read it.
   */
  @Test
  void leavesTheEventFileForTensorBoardsOwnReader() throws Exception {
    Path out = PythonCheck.DIR.resolve("tensorboard-gradients");
    Files.createDirectories(out);
    try (Stream<Path> old = Files.list(out)) {
      for (Path p : old.toList()) {
        Files.delete(p);
      }
    }
    Files.copy(eventFile, out.resolve("events.out.tfevents.spinal-gradients"), StandardCopyOption.REPLACE_EXISTING);
    Map<String, Object> expected = new LinkedHashMap<>();
    Map<String, List<Long>> scalarSteps = new TreeMap<>();
    scalars().forEach((tag, values) -> scalarSteps.put(tag, new ArrayList<>(values.keySet())));
    Map<String, Object> histos = new TreeMap<>();
    histograms().forEach((tag, values) -> {
      Map<String, Object> h = new LinkedHashMap<>();
      h.put("steps", new ArrayList<>(values.keySet()));
      h.put("num", values.get(0L).getNum());
      h.put("sum_at_step_0", values.get(0L).getSum());
      histos.put(tag, h);
    });
    expected.put("scalars", scalarSteps);
    expected.put("histograms", histos);
    new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(out.resolve("expected.json").toFile(), expected);
    assertThat(histos).hasSize(2 * LAYERS.size());
  }
}
