package dev.spinal.train.ablation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spinal.core.heads.HeadKind;
import dev.spinal.train.GradientLogging;
import dev.spinal.train.OptimizerKind;
import dev.spinal.train.TensorBoardEvents;
import dev.spinal.train.TrainConfig;
import dev.spinal.train.plots.Plots;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.Set;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A small ablation (2 heads x 2 seeds, the flatten backbone, 600 images, one epoch: about a second a run) and
 * what a reader gets from it: the report's numbers are the runs' own result.json, the charts are real PNGs
 * of the documented size, the heads of a seed were paired, and a second invocation trains only what is not
 * finished.
 */
class AblationTest {

  @TempDir static Path dir;
  static Path out;
  static AblationReport report;
  static final ObjectMapper JSON = new ObjectMapper();

  static TrainConfig base() {
    return TrainConfig.builder()
        .dataset("fashion-mnist").limit(600).backbone("flatten")
        .head(HeadKind.PROGRESSIVE).width(16).depth(2).dropout(0.2)
        .optimizer(OptimizerKind.ADAM).learningRate(0.002)
        .batchSize(32).epochs(1).schedule("constant").seed(99).augment(true).keepCheckpoints(1)
        .build();
  }

  static Ablation ablation(Path folder, PrintStream log) {
    return Ablation.builder(base()).heads(HeadKind.PROGRESSIVE, HeadKind.DENSE).seeds(1, 2).out(folder).log(log)
        .gradientLogging(GradientLogging.every(4)).build();
  }

  @BeforeAll
  static void runOnce() {
    out = dir.resolve("ablation");
    report = ablation(out, System.err).run();
  }

  static JsonNode result(String run) throws Exception {
    return JSON.readTree(out.resolve("runs").resolve(run).resolve("result.json").toFile());
  }

  @Test
  void theReportsNumbersAreTheRunsResults() throws Exception {
    JsonNode json = JSON.readTree(out.resolve(AblationReport.JSON_FILE).toFile());
    assertThat(json.get("runs")).hasSize(4);
    Map<String, Double> test = new HashMap<>();
    for (JsonNode run : json.get("runs")) {
      String name = run.get("head").asText() + "-seed" + run.get("seed").asLong();
      JsonNode result = result(name);
      assertThat(run.get("test_accuracy").asDouble()).isEqualTo(result.get("testAccuracy").asDouble());
      assertThat(run.get("validation_accuracy").asDouble()).isEqualTo(result.get("validationAccuracy").asDouble());
      assertThat(run.get("paper_protocol_test_accuracy").asDouble())
          .isEqualTo(result.get("paperProtocolTestAccuracy").asDouble());
      assertThat(run.get("best_epoch").asInt()).isEqualTo(result.get("bestEpoch").asInt());
      test.put(name, result.get("testAccuracy").asDouble());
    }
    JsonNode dense = json.get("results").get(1);
    assertThat(dense.get("head").asText()).isEqualTo("dense");
    double d1 = test.get("dense-seed1") - test.get("progressive-seed1");
    double d2 = test.get("dense-seed2") - test.get("progressive-seed2");
    JsonNode diff = dense.get("difference_to_reference");
    assertThat(diff.get("mean").asDouble()).isCloseTo((d1 + d2) / 2, within(1e-12));
    // two seeds: t(0.975, 1) = 12.7062, sd = |d1 - d2| / sqrt(2), half-width t * sd / sqrt(2)
    double half = 12.706205 * Math.abs(d1 - d2) / 2;
    assertThat(diff.get("low").asDouble()).isCloseTo((d1 + d2) / 2 - half, within(1e-6));
    assertThat(diff.get("high").asDouble()).isCloseTo((d1 + d2) / 2 + half, within(1e-6));
    double progressiveMean = (test.get("progressive-seed1") + test.get("progressive-seed2")) / 2;
    assertThat(json.get("results").get(0).get("test_accuracy").get("mean").asDouble())
        .isCloseTo(progressiveMean, within(1e-12));
    // the head's size as the heads count it: 784 -> 16 -> 16 -> 10, progressive layers read 784 + 16 i
    assertThat(json.get("results").get(0).get("head_parameters").asLong())
        .isEqualTo(784 * 16 + 16 + 800 * 16 + 16 + 816 * 10 + 10);
    assertThat(dense.get("head_parameters").asLong()).isEqualTo(784 * 16 + 16 + 16 * 16 + 16 + 16 * 10 + 10);

    String md = Files.readString(out.resolve(AblationReport.MARKDOWN_FILE));
    assertThat(md).contains(String.format(Locale.ROOT, "| dense | %d | 1 | 1 | ", 1),
        String.format(Locale.ROOT, "%.2f %%", 100 * test.get("dense-seed2")),
        String.format(Locale.ROOT, "%+.2f pp [%+.2f, %+.2f]", 100 * (d1 + d2) / 2, 100 * ((d1 + d2) / 2 - half),
            100 * ((d1 + d2) / 2 + half)),
        "paired t", "n − 1 = 1, t = 12.706", "Paper's protocol", "best test accuracy over all epochs");
  }

  @Test
  void theHeadsOfASeedWerePairedAndTheSeedsDiffer() throws Exception {
    assertThat(report.pairing()).hasSize(2).allSatisfy(p -> {
      assertThat(p.sameBackboneInit()).isTrue();
      assertThat(p.sameEpoch1Batches()).isTrue();
    });
    // a control: another seed sees other batches (so the fingerprint can tell)
    Set<String> perSeed = new HashSet<>();
    report.runs().forEach(r -> perSeed.add(r.seed() + " " + r.epoch1BatchesSha256()));
    assertThat(perSeed).hasSize(2);
    assertThat(report.runs()).allSatisfy(r -> assertThat(r.backboneInitSha256()).isEqualTo("none"));
    assertThat(Files.readString(out.resolve(AblationReport.MARKDOWN_FILE))).doesNotContain("Warning");
  }

  /** Each run's gradient ratio is what its TensorBoard log holds; a head's, the mean over its seeds. */
  @Test
  void theGradientHighwaySectionIsWhatTheRunsLogged() throws Exception {
    assertThat(report.runs()).hasSize(4).allSatisfy(r -> {
      NavigableMap<Long, Double> logged;
      try {
        logged = TensorBoardEvents.scalars(out.resolve(r.folder()).resolve("tensorboard")).get(GradientRatio.TAG);
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      assertThat(logged.keySet()).startsWith(0L, 4L, 8L); // every 4 steps from the initialization on
      GradientRatio g = r.gradientRatio();
      assertThat(g.firstStep()).isZero();
      assertThat(g.atFirstStep()).isEqualTo(logged.firstEntry().getValue()).isPositive();
      assertThat(g.lastStep()).isEqualTo(logged.lastKey());
      assertThat(g.atLastStep()).isEqualTo(logged.lastEntry().getValue());
      assertThat(g.logged()).isEqualTo(logged.size());
    });
    AblationReport.HeadRow dense = report.results().get(1);
    double first = report.runs().stream().filter(r -> r.head().equals("dense"))
        .mapToDouble(r -> r.gradientRatio().atFirstStep()).average().orElseThrow();
    assertThat(dense.gradientRatioAtFirstStep().mean()).isCloseTo(first, within(1e-12));
    assertThat(dense.gradientRatioAtFirstStep().n()).isEqualTo(2);
    String md = Files.readString(out.resolve(AblationReport.MARKDOWN_FILE));
    assertThat(md).contains("## Gradient highway during training", GradientRatio.TAG,
        String.format(Locale.ROOT, "| dense | %.3g ± %.2g | ", first, dense.gradientRatioAtFirstStep().sd()));
    JsonNode json = JSON.readTree(out.resolve(AblationReport.JSON_FILE).toFile());
    assertThat(json.get("runs").get(0).get("gradient_ratio").get("at_first_step").asDouble())
        .isEqualTo(report.runs().get(0).gradientRatio().atFirstStep());
  }

  /** A run started from a recipe (its result.json records the recipe too) counts as finished. */
  @Test
  void runsOfARecipeAreFoundFinished() throws Exception {
    Path folder = dir.resolve("recipe");
    TrainConfig fromRecipe = base().toBuilder().recipe(dev.spinal.train.Recipe.MNIST_FC).build();
    Ablation once = Ablation.builder(fromRecipe).heads(HeadKind.DENSE).seeds(1).out(folder)
        .log(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)).build();
    once.run();
    assertThat(JSON.readTree(folder.resolve("runs/dense-seed1/result.json").toFile()).has("recipe")).isTrue();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    AblationReport again = Ablation.builder(fromRecipe).heads(HeadKind.DENSE).seeds(1).out(folder)
        .log(new PrintStream(bytes, true, StandardCharsets.UTF_8)).build().run();
    assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("run 1/1 dense-seed1: finished before")
        .doesNotContain("cannot be read");
    assertThat(again.runs()).hasSize(1);
  }

  /** At equal parameters, the other head trains at the width that gives it the reference's size. */
  @Test
  void equalParametersWidenTheSmallerHead() throws Exception {
    Path folder = dir.resolve("equal");
    AblationReport equal = Ablation.builder(base()).heads(HeadKind.PROGRESSIVE, HeadKind.DENSE).seeds(1)
        .out(folder).log(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))
        .equalParameters(true).build().run();
    // 784 -> 16 -> 16 -> 10: progressive 784*16+16 + 800*16+16 + 816*10+10 = 33,546; dense at width w has
    // 784w+w + w*w+w + 10w+10, closest at w = 40 (33,450; w = 41: 34,327)
    long progressive = 784 * 16 + 16 + 800 * 16 + 16 + 816 * 10 + 10;
    assertThat(equal.results()).extracting(AblationReport.HeadRow::width).containsExactly(16L, 40L);
    assertThat(equal.results().get(0).headParameters()).isEqualTo(progressive);
    assertThat(equal.results().get(1).headParameters()).isEqualTo(784 * 40 + 40 + 40 * 40 + 40 + 40 * 10 + 10);
    JsonNode config = JSON.readTree(folder.resolve("runs/dense-seed1/config.json").toFile());
    assertThat(config.get("width").asLong()).isEqualTo(40);
    assertThat(Files.readString(folder.resolve(AblationReport.MARKDOWN_FILE)))
        .contains("head width progressive 16, dense 40 (equal parameters", "| dense | 40 | ");
  }

  @Test
  void aGradientRatiosMedianIsTheMiddleLoggedValue() {
    NavigableMap<Long, Double> odd = new TreeMap<>(Map.of(0L, 1.0, 10L, 3.0, 20L, 2.0));
    assertThat(GradientRatio.of(odd).orElseThrow()).isEqualTo(new GradientRatio(0, 1.0, 2.0, 20, 2.0, 3));
    odd.put(30L, 10.0);
    assertThat(GradientRatio.of(odd).orElseThrow().median()).isEqualTo(2.5);
    assertThat(GradientRatio.of(new TreeMap<>())).isEmpty();
  }

  @Test
  void chartsAreImagesOfTheDocumentedSize() throws Exception {
    assertPng(out.resolve(AblationReport.ACCURACY_PNG), Plots.ACCURACY_WIDTH, Plots.ACCURACY_HEIGHT);
    assertPng(out.resolve(AblationReport.VALIDATION_PNG), Plots.CURVES_WIDTH, Plots.CURVES_HEIGHT);
    for (String run : List.of("progressive-seed1", "dense-seed1", "progressive-seed2", "dense-seed2")) {
      assertPng(out.resolve("runs").resolve(run).resolve(AblationReport.CURVES_PNG), Plots.CURVES_WIDTH,
          Plots.CURVES_HEIGHT);
    }
  }

  /** A valid PNG of the size, and a picture rather than a blank: many colours, ink in most rows. */
  static void assertPng(Path file, int width, int height) throws Exception {
    assertThat(file).exists();
    byte[] bytes = Files.readAllBytes(file);
    assertThat(bytes).startsWith(0x89, 'P', 'N', 'G');
    BufferedImage image = ImageIO.read(file.toFile());
    assertThat(image).as(file.toString()).isNotNull();
    assertThat(image.getWidth()).isEqualTo(width);
    assertThat(image.getHeight()).isEqualTo(height);
    Set<Integer> colours = new HashSet<>();
    int inkedRows = 0;
    for (int y = 0; y < height; y++) {
      boolean ink = false;
      for (int x = 0; x < width; x++) {
        int rgb = image.getRGB(x, y) & 0xffffff;
        colours.add(rgb);
        ink |= rgb != 0xffffff;
      }
      inkedRows += ink ? 1 : 0;
    }
    assertThat(colours.size()).as(file + ": distinct colours").isGreaterThan(20);
    assertThat(inkedRows).as(file + ": rows with something drawn").isGreaterThan(height / 2);
  }

  @Test
  void aSecondInvocationTrainsOnlyWhatIsNotFinished() throws Exception {
    Path again = dir.resolve("again");
    copyTree(out, again);
    Map<String, String> before = results(again);

    // everything finished: nothing is trained, nothing changes
    String log = runLogged(again);
    assertThat(log).contains("run 1/4 progressive-seed1: finished before", "run 4/4 dense-seed2: finished before")
        .doesNotContain("training");
    assertThat(results(again)).isEqualTo(before);

    // a run killed before its result.json, its checkpoint kept: continued from the checkpoint
    Files.delete(again.resolve("runs/dense-seed1/result.json"));
    log = runLogged(again);
    assertThat(log).contains("run 2/4 dense-seed1: unfinished, continuing from its newest checkpoint")
        .contains("run 1/4 progressive-seed1: finished before", "run 3/4 progressive-seed2: finished before");
    assertThat(results(again)).containsEntry("progressive-seed1", before.get("progressive-seed1"))
        .containsEntry("dense-seed2", before.get("dense-seed2"));
    JsonNode resumed = JSON.readTree(again.resolve("runs/dense-seed1").resolve(RunRecord.FILE).toFile());
    assertThat(resumed.get("invocations").asInt()).isEqualTo(2);

    // a run killed in its first epoch (config.json, no checkpoint, no result): trained again from the start
    deleteTree(again.resolve("runs/progressive-seed2/checkpoints"));
    Files.delete(again.resolve("runs/progressive-seed2/result.json"));
    log = runLogged(again);
    assertThat(log).contains("run 3/4 progressive-seed2: unfinished with no checkpoint, starting it again");
    assertThat(log.lines().filter(l -> l.contains("finished before"))).hasSize(3);
    assertThat(again.resolve("runs/progressive-seed2/result.json")).exists();
    assertThat(results(again)).containsEntry("dense-seed2", before.get("dense-seed2"));
    assertThat(log).containsPattern("ablation: 1 of 1 runs to train done in \\d+ s\n").doesNotContain("left");

    // two runs to train again: after the first, the rest is estimated at its time
    Files.delete(again.resolve("runs/dense-seed1/result.json"));
    Files.delete(again.resolve("runs/dense-seed2/result.json"));
    log = runLogged(again);
    assertThat(log).containsPattern("ablation: 1 of 2 runs to train done in \\d+ s; about \\d+ s left \\(1 run at"
        + " their mean so far\\)").containsPattern("ablation: 2 of 2 runs to train done in \\d+ s\n");
  }

  /** Midway through a long ablation: the report of the runs finished so far, saying which are not, training nothing. */
  @Test
  void aReportMidwayCoversTheFinishedRunsAndNamesTheOthers() throws Exception {
    assertThat(report.runsNotFinished()).isEmpty();
    assertThat(report.markdown()).doesNotContain("Partial report");
    Path midway = dir.resolve("midway");
    copyTree(out, midway);
    deleteTree(midway.resolve("runs/dense-seed2"));
    Files.delete(midway.resolve("runs/progressive-seed2/result.json")); // killed in its last epoch, say

    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    AblationReport partial;
    try (PrintStream log = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
      partial = ablation(midway, log).writeReport();
    }
    assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("partial: 2 of 4 runs not finished",
        "ablation: progressive-seed2 not finished: 1 of 1 epochs trained").doesNotContain("training");
    assertThat(midway.resolve("runs/dense-seed2")).as("nothing trained").doesNotExist();
    assertThat(midway.resolve("runs/progressive-seed2/result.json")).doesNotExist();
    assertThat(partial.runsNotFinished()).containsExactly("progressive-seed2", "dense-seed2");
    JsonNode json = JSON.readTree(midway.resolve(AblationReport.JSON_FILE).toFile());
    assertThat(json.get("runs")).hasSize(2);
    assertThat(json.get("runs_not_finished")).extracting(JsonNode::asText)
        .containsExactly("progressive-seed2", "dense-seed2");
    assertThat(json.get("results").get(0).get("test_accuracy").get("mean").asDouble()).as("seed 1 alone")
        .isEqualTo(result("progressive-seed1").get("testAccuracy").asDouble());
    assertThat(Files.readString(midway.resolve(AblationReport.MARKDOWN_FILE))).contains("**Partial report: 2 of 4"
        + " runs finished.** Not finished yet: `progressive-seed2`, `dense-seed2`.");
    assertThat(midway.resolve(AblationReport.ACCURACY_PNG)).exists();

    Path empty = dir.resolve("never-started");
    assertThatThrownBy(() -> ablation(empty, System.err).writeReport()).isInstanceOf(IllegalArgumentException.class)
        .hasMessage(empty.resolve("runs") + " holds no finished run of this ablation: start it (without"
            + " --report-only), or give the folder and options it was started with");
  }

  @Test
  void aFolderOfAnotherAblationIsRefusedNamingTheDifference() throws Exception {
    Path other = dir.resolve("other");
    copyTree(out, other);
    Ablation longer = Ablation.builder(base().toBuilder().epochs(2).build()).heads(HeadKind.PROGRESSIVE,
        HeadKind.DENSE).seeds(1, 2).out(other).build();
    assertThatThrownBy(longer::run).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("runs/progressive-seed1/config.json holds another run")
        .hasMessageContaining("epochs 1 there, 2 here");
  }

  @Test
  void anAblationOnFeaturesIsRefused() {
    TrainConfig onFeatures = TrainConfig.builder().features("feats").backbone("saved-models/fmnist04-cnn").build();
    assertThatThrownBy(() -> Ablation.builder(onFeatures).out(dir.resolve("f")).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not on features computed before (feats)");
  }

  @Test
  void badSettingsNameTheField() {
    assertThatThrownBy(() -> Ablation.builder(base()).heads(List.of())).hasMessageContaining("Ablation.heads");
    assertThatThrownBy(() -> Ablation.builder(base()).seeds(1, 1)).hasMessageContaining("Ablation.seeds lists a seed"
        + " twice");
    assertThatThrownBy(() -> Ablation.builder(base()).build()).hasMessageContaining("Ablation.out");
  }

  static String runLogged(Path folder) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (PrintStream log = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
      ablation(folder, log).run();
    }
    String text = bytes.toString(StandardCharsets.UTF_8);
    System.err.print(text);
    return text;
  }

  static Map<String, String> results(Path folder) throws Exception {
    Map<String, String> out = new HashMap<>();
    try (Stream<Path> runs = Files.list(folder.resolve("runs"))) {
      for (Path run : runs.toList()) {
        Path result = run.resolve("result.json");
        out.put(run.getFileName().toString(), Files.exists(result) ? Files.readString(result) : null);
      }
    }
    return out;
  }

  static void copyTree(Path from, Path to) throws Exception {
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
  }

  static void deleteTree(Path root) throws Exception {
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
