package dev.spinal.train.ablation;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.spinal.core.heads.HeadKind;
import dev.spinal.savedmodel.TemporaryFolders;
import dev.spinal.train.EpochMetrics;
import dev.spinal.train.TestTimeAugmentation;
import dev.spinal.train.TrainConfig;
import dev.spinal.train.TrainResult;
import dev.spinal.train.plots.Plots;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * What an {@link Ablation} found, from its runs' {@code result.json} and {@code ablation-run.json}: one row
 * per head, one per run, and the pairing check per seed. {@link #write} puts it in the ablation's folder as
 * {@code ablation.json} (this record), {@code ablation.md} ({@link #markdown()}), {@code accuracy.png},
 * {@code validation-curves.png} and each run's {@code runs/NAME/curves.png}. Accuracies are fractions in
 * [0, 1]; the Markdown shows them in percent and differences in percentage points.
 *
 * @param base the ablation's base configuration (each run replaces its head and seed)
 * @param reference the head the others are compared with: progressive when it is among the heads
 * @param statistic how the intervals are computed, in words
 * @param equalParameters whether the heads were compared at equal parameter counts (each at its own width) rather
 *     than at the base config's width
 */
public record AblationReport(
    @JsonProperty("base_config") TrainConfig base,
    @JsonProperty("heads") List<String> heads,
    @JsonProperty("seeds") List<Long> seeds,
    @JsonProperty("reference_head") String reference,
    @JsonProperty("confidence_level") double level,
    @JsonProperty("statistic") String statistic,
    @JsonProperty("results") List<HeadRow> results,
    @JsonProperty("runs") List<RunRow> runs,
    @JsonProperty("pairing") List<SeedPairing> pairing,
    @JsonProperty("equal_parameters") boolean equalParameters) {

  /** File names in the ablation's folder. */
  public static final String JSON_FILE = "ablation.json";
  public static final String MARKDOWN_FILE = "ablation.md";
  public static final String ACCURACY_PNG = "accuracy.png";
  public static final String VALIDATION_PNG = "validation-curves.png";
  /** A run's curves, in its folder. */
  public static final String CURVES_PNG = dev.spinal.train.Runs.CURVES_PNG;

  /**
   * One head over the seeds it finished.
   *
   * @param width the width of its hidden layers (the same for every head, unless the heads were compared at equal
   *     parameter counts)
   * @param testAccuracy test accuracy at the best-validation epoch, over the seeds
   * @param differenceToReference paired {@code head - reference} over the seeds both finished; null for the
   *     reference itself
   * @param meanWallSeconds wall time of a run (all its invocations), mean over the seeds
   * @param paperProtocolSeed the seed whose paper's-protocol accuracy is shown (the first seed finished)
   * @param paperProtocol best test accuracy over the epochs of that seed's run
   * @param paperProtocolMean the same, mean over the seeds (for the JSON reader; the paper reports one run)
   * @param gradientRatioAtFirstStep the head's {@link GradientRatio} at the first logged step, over the seeds whose
   *     run logged it; null when none did (the same for the next two)
   * @param gradientRatioMedian its median over each run's logged steps, over the seeds
   * @param gradientRatioAtLastStep at the last logged step, over the seeds
   */
  public record HeadRow(
      @JsonProperty("head") String head,
      @JsonProperty("width") long width,
      @JsonProperty("seeds_finished") int n,
      @JsonProperty("test_accuracy") Spread testAccuracy,
      @JsonProperty("test_accuracy_per_seed") Map<Long, Double> perSeed,
      @JsonProperty("difference_to_reference") PairedDifference differenceToReference,
      @JsonProperty("head_parameters") long headParameters,
      @JsonProperty("head_flops_per_example") long headFlops,
      @JsonProperty("model_parameters") long modelParameters,
      @JsonProperty("model_flops_per_example") long modelFlops,
      @JsonProperty("mean_wall_seconds") double meanWallSeconds,
      @JsonProperty("paper_protocol_seed") long paperProtocolSeed,
      @JsonProperty("paper_protocol_test_accuracy") double paperProtocol,
      @JsonProperty("paper_protocol_mean_over_seeds") double paperProtocolMean,
      @JsonProperty("gradient_ratio_at_first_step") Spread gradientRatioAtFirstStep,
      @JsonProperty("gradient_ratio_median") Spread gradientRatioMedian,
      @JsonProperty("gradient_ratio_at_last_step") Spread gradientRatioAtLastStep) {}

  /** One finished run, as its files say. */
  public record RunRow(
      @JsonProperty("head") String head,
      @JsonProperty("seed") long seed,
      @JsonProperty("folder") String folder,
      @JsonProperty("epochs") int epochs,
      @JsonProperty("best_epoch") int bestEpoch,
      @JsonProperty("validation_accuracy") double validationAccuracy,
      @JsonProperty("test_accuracy") double testAccuracy,
      @JsonProperty("paper_protocol_test_accuracy") double paperProtocol,
      @JsonProperty("wall_seconds") double wallSeconds,
      @JsonProperty("invocations") int invocations,
      @JsonProperty("backbone_init_sha256") String backboneInitSha256,
      @JsonProperty("epoch1_batches_sha256") String epoch1BatchesSha256,
      @JsonProperty("gradient_ratio") GradientRatio gradientRatio) {}

  /**
   * Whether the heads of one seed really were paired: the same backbone initialization and the same epoch-1
   * batches in every run (null: not known, a run's fingerprint is missing).
   */
  public record SeedPairing(
      @JsonProperty("seed") long seed,
      @JsonProperty("runs") int runs,
      @JsonProperty("same_backbone_init") Boolean sameBackboneInit,
      @JsonProperty("same_epoch1_batches") Boolean sameEpoch1Batches) {}

  /** A finished run with its result, record and gradient ratio (each of the last two null when the run has none). */
  record Finished(Ablation.Run run, TrainResult result, RunRecord record, GradientRatio gradientRatio) {}

  static AblationReport of(TrainConfig base, List<HeadKind> heads, HeadKind reference, List<Long> seeds,
      double level, List<Finished> finished, Map<HeadKind, Long> widths, boolean equalParameters) {
    Map<HeadKind, Map<Long, Finished>> byHead = new LinkedHashMap<>();
    for (HeadKind h : heads) {
      byHead.put(h, new LinkedHashMap<>());
    }
    for (Finished f : finished) {
      byHead.get(f.run().head()).put(f.run().seed(), f);
    }
    List<HeadRow> rows = new ArrayList<>();
    for (HeadKind h : heads) {
      Map<Long, Finished> runs = byHead.get(h);
      if (runs.isEmpty()) {
        continue;
      }
      Map<Long, Double> perSeed = new LinkedHashMap<>();
      runs.forEach((seed, f) -> perSeed.put(seed, f.result().testAccuracy()));
      Spread acc = Spread.of(perSeed.values().stream().mapToDouble(Double::doubleValue).toArray());
      PairedDifference diff = null;
      if (h != reference) {
        List<Double> a = new ArrayList<>();
        List<Double> b = new ArrayList<>();
        for (long seed : seeds) {
          Finished mine = runs.get(seed);
          Finished theirs = byHead.get(reference).get(seed);
          if (mine != null && theirs != null) {
            a.add(mine.result().testAccuracy());
            b.add(theirs.result().testAccuracy());
          }
        }
        if (!a.isEmpty()) {
          diff = PairedDifference.of(a.stream().mapToDouble(Double::doubleValue).toArray(),
              b.stream().mapToDouble(Double::doubleValue).toArray(), level);
        }
      }
      Finished first = runs.values().iterator().next();
      RunRecord rec = runs.values().stream().map(Finished::record).filter(Objects::nonNull).findFirst().orElse(null);
      long headParams = rec == null ? -1 : rec.headParameters();
      long headFlops = rec == null ? -1 : rec.headFlopsPerExample();
      long modelParams = rec == null ? -1 : sum(rec.headParameters(), rec.backboneParameters());
      long modelFlops = rec == null ? -1 : sum(rec.headFlopsPerExample(), rec.backboneFlopsPerExample());
      double wall = runs.values().stream().mapToDouble(AblationReport::wallSeconds).average().orElse(Double.NaN);
      double paperMean = runs.values().stream().mapToDouble(f -> f.result().paperProtocolTestAccuracy()).average()
          .orElse(Double.NaN);
      List<GradientRatio> ratios = runs.values().stream().map(Finished::gradientRatio).filter(Objects::nonNull)
          .toList();
      rows.add(new HeadRow(h.cliName(), widths.get(h), runs.size(), acc, perSeed, diff, headParams, headFlops,
          modelParams,
          modelFlops, wall, first.run().seed(), first.result().paperProtocolTestAccuracy(), paperMean,
          spread(ratios, GradientRatio::atFirstStep), spread(ratios, GradientRatio::median),
          spread(ratios, GradientRatio::atLastStep)));
    }
    List<RunRow> runRows = new ArrayList<>();
    List<SeedPairing> pairing = new ArrayList<>();
    for (long seed : seeds) {
      List<Finished> ofSeed = new ArrayList<>();
      for (HeadKind h : heads) {
        Finished f = byHead.get(h).get(seed);
        if (f != null) {
          ofSeed.add(f);
          TrainResult r = f.result();
          RunRecord rec = f.record();
          runRows.add(new RunRow(h.cliName(), seed, "runs/" + f.run().name(), r.history().size(), r.bestEpoch(),
              r.validationAccuracy(), r.testAccuracy(), r.paperProtocolTestAccuracy(), wallSeconds(f),
              rec == null ? 1 : rec.invocations(), rec == null ? null : rec.backboneInitSha256(),
              rec == null ? null : rec.epoch1BatchesSha256(), f.gradientRatio()));
        }
      }
      if (!ofSeed.isEmpty()) {
        pairing.add(new SeedPairing(seed, ofSeed.size(),
            allSame(ofSeed.stream().map(f -> f.record() == null ? null : f.record().backboneInitSha256()).toList()),
            allSame(ofSeed.stream().map(f -> f.record() == null ? null : f.record().epoch1BatchesSha256()).toList())));
      }
    }
    return new AblationReport(base, heads.stream().map(HeadKind::cliName).toList(), List.copyOf(seeds),
        reference.cliName(), level, statistic(level), rows, runRows, pairing, equalParameters);
  }

  private static Spread spread(List<GradientRatio> ratios, java.util.function.ToDoubleFunction<GradientRatio> field) {
    return ratios.isEmpty() ? null : Spread.of(ratios.stream().mapToDouble(field).toArray());
  }

  private static long sum(long a, long b) {
    return a < 0 || b < 0 ? -1 : a + b;
  }

  private static double wallSeconds(Finished f) {
    return f.record() != null ? f.record().wallSeconds() : f.result().seconds();
  }

  /** True when all are equal, false when two differ, null when one is unknown. */
  private static Boolean allSame(List<String> values) {
    if (values.stream().anyMatch(Objects::isNull)) {
      return null;
    }
    return values.stream().distinct().count() == 1;
  }

  static String statistic(double level) {
    return String.format(Locale.ROOT, "per-seed paired differences head - reference of the test accuracy at the"
        + " best-validation epoch; %.0f%% confidence interval of their mean from the paired t test: mean ± t(%.3f,"
        + " n-1) * sd / sqrt(n), with the Student t quantile for n - 1 degrees of freedom", 100 * level,
        1 - (1 - level) / 2);
  }

  /**
   * The planned runs that have no finished result yet ({@code HEAD-seedSEED}, in the order they train): the report
   * is partial while there are any. Empty when every head finished every seed.
   */
  @JsonProperty("runs_not_finished")
  public List<String> runsNotFinished() {
    List<String> missing = new ArrayList<>();
    for (long seed : seeds) {
      for (String head : heads) {
        if (runs.stream().noneMatch(r -> r.head().equals(head) && r.seed() == seed)) {
          missing.add(head + "-seed" + seed);
        }
      }
    }
    return missing;
  }

  /** The Markdown report. */
  public String markdown() {
    StringBuilder md = new StringBuilder();
    String data = base.dataset() != null ? base.dataset() : base.data();
    md.append(String.format(Locale.ROOT, "# Ablation: %s heads on %s, %s backbone%n%n", String.join(", ", heads),
        data, base.backbone()));
    md.append(String.format(Locale.ROOT, "%d heads x %d seeds (%s). Paired: for a seed, every head trains on the"
        + " same validation split, the same batches in the same order with the same augmentation, from the same"
        + " backbone initialization (checked below from what each run's trainer saw).%n%n", heads.size(),
        seeds.size(), joinSeeds(seeds)));
    List<String> missing = runsNotFinished();
    if (!missing.isEmpty()) {
      md.append(String.format(Locale.ROOT, "**Partial report: %d of %d runs finished.** Not finished yet: %s. The"
          + " figures below are over the finished runs only; run the same `spinal ablate` command again to train the"
          + " rest.%n%n", runs.size(), runs.size() + missing.size(), missing.stream().map(m -> "`" + m + "`")
          .collect(Collectors.joining(", "))));
    }
    md.append(String.format(Locale.ROOT, "Settings of every run: head width %s, depth %d, dropout %s, batch norm %s;"
        + " %s at lr %s%s%s, batch %d, %d epochs%s, schedule %s, augmentation %s%s, precision %s%s.%n%n", widthText(),
        base.depth(), num(base.dropout()), base.batchNorm() ? "on" : "off",
        base.optimizer().name().toLowerCase(Locale.ROOT), num(base.learningRate()),
        base.optimizer().name().equals("SGD") ? " momentum " + num(base.momentum()) : "",
        base.weightDecay() > 0 ? ", weight decay " + num(base.weightDecay()) : "", base.batchSize(),
        base.epochs(), base.maxSteps() > 0 ? " (at most " + base.maxSteps() + " steps)" : "", base.schedule(),
        base.augmentation().cliName(),
        (base.labelSmoothing() > 0 ? ", label smoothing " + num(base.labelSmoothing()) : "")
        + (base.weightAverage() > 0 ? ", weight average (EMA) decay " + num(base.weightAverage()) : "")
        + (base.testTimeAugmentation() != TestTimeAugmentation.NONE
            ? ", test-time augmentation " + base.testTimeAugmentation().cliName() : "")
        + (base.evaluateEvery() > 1 ? ", evaluated every " + base.evaluateEvery() + " epochs and after the last"
            : "")
        + (base.earlyStopping() > 0 ? ", early stopping after " + base.earlyStopping() + " evaluations without"
            + " improvement" : ""),
        base.precision(), base.limit() > 0 ? ", first " + base.limit()
        + " images of each split" : ""));
    md.append("## Test accuracy per head\n\n");
    md.append("| head | width | test accuracy, mean ± sd | seeds | min .. max | difference to ").append(reference)
        .append(String.format(Locale.ROOT, ", mean [%.0f%% CI] | head parameters | head FLOPs/example | model"
            + " parameters | wall time per run | paper's protocol (one seed) |%n", 100 * level));
    md.append("|---|---|---|---|---|---|---|---|---|---|---|\n");
    double t = Double.NaN;
    int df = 0;
    for (HeadRow r : results) {
      String diff;
      if (r.differenceToReference() == null) {
        diff = "(reference)";
      } else {
        PairedDifference d = r.differenceToReference();
        diff = d.n() < 2 ? String.format(Locale.ROOT, "%+.2f pp (one seed: no interval)", 100 * d.mean())
            : String.format(Locale.ROOT, "%+.2f pp [%+.2f, %+.2f]", 100 * d.mean(), 100 * d.low(), 100 * d.high());
        if (d.n() >= 2) {
          t = d.tQuantile();
          df = d.n() - 1;
        }
      }
      Spread a = r.testAccuracy();
      md.append(String.format(Locale.ROOT, "| %s | %d | %s | %d | %.2f .. %.2f %% | %s | %s | %s | %s | %s | %.2f %%"
          + " (seed %d) |%n", r.head(), r.width(), a.n() < 2 ? String.format(Locale.ROOT, "%.2f %%", 100 * a.mean())
          : String.format(Locale.ROOT, "%.2f ± %.2f %%", 100 * a.mean(), 100 * a.sd()), a.n(), 100 * a.min(),
          100 * a.max(), diff, count(r.headParameters()), count(r.headFlops()), count(r.modelParameters()),
          seconds(r.meanWallSeconds()), 100 * r.paperProtocol(), r.paperProtocolSeed()));
    }
    md.append('\n');
    md.append("- **Test accuracy**: the test accuracy of the epoch with the best validation accuracy (the validation"
        + " split is carved, seeded, from the training set); mean and sample standard deviation over the seeds.\n");
    md.append(String.format(Locale.ROOT, "- **Difference to %s**: per seed, this head's test accuracy minus %s's"
        + " (percentage points); the %.0f%% confidence interval of the mean difference is the paired t interval,"
        + " mean ± t · sd / √n, with the Student t quantile for n − 1 degrees of freedom%s. An interval that"
        + " contains 0 shows no difference at that confidence; a positive one: this head is better.%n", reference,
        reference, 100 * level, Double.isNaN(t) ? "" : String.format(Locale.ROOT, " (here n − 1 = %d, t = %.3f)",
            df, t)));
    md.append("- **Parameters and FLOPs**: trainable parameters of the head and of the whole model (backbone +"
        + " head); forward FLOPs per example, a multiply-add counted as 2. **Wall time**: one run, all of its"
        + " invocations, including evaluation; mean over the seeds.\n");
    md.append("- **Paper's protocol**: the best test accuracy over all epochs of one run (one seed), as the paper's"
        + " scripts report it. It selects the epoch on the test set, so it is biased upward; it is here only for"
        + " comparison with the paper's table.\n\n");
    gradientHighway(md);
    md.append("## Runs\n\n");
    md.append("| head | seed | epochs | best epoch | validation accuracy | test accuracy | paper's protocol |"
        + " wall time | folder |\n|---|---|---|---|---|---|---|---|---|\n");
    for (RunRow r : runs) {
      md.append(String.format(Locale.ROOT, "| %s | %d | %d | %d | %.2f %% | %.2f %% | %.2f %% | %s%s | %s |%n",
          r.head(), r.seed(), r.epochs(), r.bestEpoch(), 100 * r.validationAccuracy(), 100 * r.testAccuracy(),
          100 * r.paperProtocol(), seconds(r.wallSeconds()), r.invocations() > 1 ? " (" + r.invocations()
          + " invocations)" : "", r.folder()));
    }
    md.append("\n## Pairing check\n\n");
    md.append("Per seed, every run records a SHA-256 of its backbone's initial weights in the training graph and of"
        + " every training batch of epoch 1 as fed (example indices, labels and pixels after augmentation).\n\n");
    md.append("| seed | runs | same backbone initialization | same epoch-1 batches | backbone initialization"
        + " | epoch-1 batches |\n|---|---|---|---|---|---|\n");
    for (SeedPairing p : pairing) {
      RunRow first = runs.stream().filter(r -> r.seed() == p.seed()).findFirst().orElseThrow();
      md.append(String.format(Locale.ROOT, "| %d | %d | %s | %s | %s | %s |%n", p.seed(), p.runs(),
          yesNo(p.sameBackboneInit()), yesNo(p.sameEpoch1Batches()), shortSha(first.backboneInitSha256()),
          shortSha(first.epoch1BatchesSha256())));
    }
    md.append('\n');
    if (pairing.stream().anyMatch(p -> Boolean.FALSE.equals(p.sameBackboneInit())
        || Boolean.FALSE.equals(p.sameEpoch1Batches()))) {
      md.append("**Warning**: some runs of a seed were not paired (see above): their differences mix the heads"
          + " with the data or the initialization.\n\n");
    }
    md.append("## Files\n\n");
    md.append("- `" + ACCURACY_PNG + "`: test accuracy per head (bar: mean, error bar: ± sd, points: each seed;"
        + " grey: the paper's protocol, one seed)\n");
    md.append("- `" + VALIDATION_PNG + "`: validation accuracy per epoch of every run\n");
    md.append("- `runs/HEAD-seedSEED/`: each run's folder (`config.json`, `metrics.jsonl`, `result.json`,"
        + " `tensorboard/`, `checkpoints/`, `" + RunRecord.FILE + "`, `" + CURVES_PNG + "`: its training and"
        + " validation curves)\n");
    md.append("- `" + JSON_FILE + "`: all of the above as JSON\n");
    return md.toString();
  }

  /** "64", or with equal parameter counts "progressive 128, dense 343 (each head at the reference's size)". */
  private String widthText() {
    if (!equalParameters) {
      return String.valueOf(base.width());
    }
    StringBuilder w = new StringBuilder();
    for (HeadRow r : results) {
      w.append(w.length() == 0 ? "" : ", ").append(r.head()).append(' ').append(r.width());
    }
    return w + " (equal parameters: each head at the width that gives it the " + reference + " head's parameter"
        + " count)";
  }

  /** The section on each head's gradient ratio during training; nothing when no run logged gradient norms. */
  private void gradientHighway(StringBuilder md) {
    List<HeadRow> logged = results.stream().filter(r -> r.gradientRatioMedian() != null).toList();
    if (logged.isEmpty()) {
      return;
    }
    long lastStep = runs.stream().filter(r -> r.gradientRatio() != null).mapToLong(r -> r.gradientRatio().lastStep())
        .max().orElse(0);
    md.append("## Gradient highway during training\n\n");
    md.append("The head's first hidden layer's weight-gradient norm over its last hidden layer's, ||dL/dW_first|| /"
        + " ||dL/dW_last||, as each run logged it (`" + GradientRatio.TAG + "` in its TensorBoard log, every"
        + " `--grad-norms-every` steps): far below 1, the gradient fades on its way down the head (orders of"
        + " magnitude for a deep sigmoid MLP). Each norm is over all of a layer's weights, so a layer with more"
        + " inputs has a larger norm at the same per-weight gradient: compare a head with itself over training, and"
        + " heads by orders of magnitude rather than by small factors. Mean ± sd over the seeds.\n\n");
    md.append(String.format(Locale.ROOT, "| head | at step 0 | median over training | at the last logged step (%d)"
        + " | runs |%n|---|---|---|---|---|%n", lastStep));
    for (HeadRow r : logged) {
      md.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %d |%n", r.head(),
          ratio(r.gradientRatioAtFirstStep()), ratio(r.gradientRatioMedian()), ratio(r.gradientRatioAtLastStep()),
          r.gradientRatioMedian().n()));
    }
    md.append('\n');
  }

  private static String ratio(Spread s) {
    return s.n() < 2 ? String.format(Locale.ROOT, "%.3g", s.mean())
        : String.format(Locale.ROOT, "%.3g ± %.2g", s.mean(), s.sd());
  }

  private static String joinSeeds(List<Long> seeds) {
    return String.join(", ", seeds.stream().map(String::valueOf).toList());
  }

  private static String num(double v) {
    return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
  }

  private static String count(long v) {
    return v < 0 ? "?" : String.format(Locale.ROOT, "%,d", v);
  }

  private static String seconds(double s) {
    if (Double.isNaN(s)) {
      return "?";
    }
    return s < 120 ? String.format(Locale.ROOT, "%.1f s", s) : String.format(Locale.ROOT, "%.1f min", s / 60);
  }

  private static String yesNo(Boolean b) {
    return b == null ? "not known" : b ? "yes" : "**no**";
  }

  private static String shortSha(String sha) {
    return sha == null ? "?" : sha.equals("none") ? "no backbone weights in the trained graph" : "`" + sha.substring(0, 12) + "`";
  }

  /** Writes the JSON, the Markdown and the charts into {@code out} (each file written whole, then renamed). */
  public void write(Path out) {
    writeText(out.resolve(JSON_FILE), json());
    writeText(out.resolve(MARKDOWN_FILE), markdown());
    List<Plots.HeadBar> bars = new ArrayList<>();
    for (HeadRow r : results) {
      bars.add(new Plots.HeadBar(r.head(), r.perSeed().values().stream().mapToDouble(Double::doubleValue).toArray(),
          r.paperProtocol(), r.paperProtocolSeed()));
    }
    String data = base.dataset() != null ? base.dataset() : Path.of(base.data()).getFileName().toString();
    if (!bars.isEmpty()) {
      String of = runsNotFinished().isEmpty() ? seeds.size() + " seeds"
          : "partial: " + runs.size() + " of " + (runs.size() + runsNotFinished().size()) + " runs";
      Plots.accuracyByHead(String.format(Locale.ROOT, "%s, %s backbone: test accuracy per head (%s)", data,
          base.backbone(), of), bars, out.resolve(ACCURACY_PNG));
    }
    Map<String, Map<String, List<EpochMetrics>>> curves = new LinkedHashMap<>();
    for (RunRow r : runs) {
      List<EpochMetrics> history = history(out.resolve(r.folder()));
      curves.computeIfAbsent(r.head(), h -> new LinkedHashMap<>()).put("seed " + r.seed(), history);
      Plots.trainingCurves(r.head() + " head, seed " + r.seed() + " (" + data + ")", history,
          out.resolve(r.folder()).resolve(CURVES_PNG));
    }
    if (!curves.isEmpty()) {
      Plots.validationCurves(data + ": validation accuracy of every run", curves, out.resolve(VALIDATION_PNG));
    }
  }

  /** This report as the JSON of {@code ablation.json}. */
  @JsonIgnore
  public String json() {
    try {
      return Ablation.JSON.writeValueAsString(this);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<EpochMetrics> history(Path runDir) {
    return dev.spinal.train.Runs.finishedResult(runDir).map(TrainResult::history).orElse(List.of());
  }

  private static void writeText(Path file, String text) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Path tmp = TemporaryFolders.createFile(file.toAbsolutePath().getParent(), ".ablation-", ".tmp");
      Files.writeString(tmp, text, StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }
}
