package dev.spinal.train.ablation;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.google.common.collect.ImmutableList;
import dev.spinal.core.heads.HeadKind;
import dev.spinal.core.heads.HeadSpec;
import dev.spinal.datasets.DatasetSplits;
import dev.spinal.train.Checkpoints;
import dev.spinal.train.GradientLogging;
import dev.spinal.train.RunFolderLock;
import dev.spinal.train.Runs;
import dev.spinal.train.TrainConfig;
import dev.spinal.train.TrainResult;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.tensorflow.proto.ConfigProto;

/**
 * Heads x seeds on one dataset and backbone, paired, with a report a reader can check: the claim "this head
 * beats that one" tested on equal terms. Every (head, seed) is an ordinary run folder of {@link Runs}
 * ({@code config.json}, {@code metrics.jsonl}, {@code tensorboard/}, {@code checkpoints/},
 * {@code result.json}) under {@code out/runs/HEAD-seedSEED/}; the base config with the run's head and seed.
 *
 * <p><b>Paired.</b> A seed fixes the validation split, the order of the batches, their augmentation and the
 * backbone's initialization, for every head alike: the trainer draws the data order and augmentation from
 * (seed, epoch) only, and the backbone is built before the head from the same seed sequence, so its
 * initial weights do not depend on the head. Each run records both as the trainer saw them
 * ({@link RunRecord}: a hash of the backbone's initial weights and of every batch of epoch 1 as fed), and
 * the report says per seed whether they agree.
 *
 * <p><b>Resumable.</b> A run whose {@code result.json} is complete is not trained again; an unfinished run
 * continues from its newest checkpoint (or starts again when it has none), so a killed ablation run again
 * with the same settings continues where it stopped. A run folder that holds another configuration is an
 * error, never overwritten.
 *
 * <p><b>The report</b> ({@link AblationReport}, written as {@code ablation.md}, {@code ablation.json} and
 * charts): per head the test accuracy at the best-validation epoch over the seeds (mean ± sd), the paired
 * difference to the progressive head with its 95 % confidence interval (paired t, n - 1 degrees of
 * freedom), parameters, FLOPs and wall time; beside it, labelled, the paper's protocol (best test accuracy
 * over the epochs, one seed).
 *
 * <pre>{@code
 * AblationReport report = Ablation.builder(Recipe.FASHION_MNIST_VGG5.config())
 *     .heads(HeadKind.PROGRESSIVE, HeadKind.SPINAL, HeadKind.DENSE)
 *     .seeds(1, 2, 3)
 *     .out(Path.of("runs/ablation"))
 *     .build()
 *     .run();
 * }</pre>
 */
public final class Ablation {

  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** Seeds when none are given: three, the fewest that give a paired interval with any power. */
  public static final List<Long> DEFAULT_SEEDS = List.of(1L, 2L, 3L);
  /** Confidence level of the paired intervals. */
  public static final double LEVEL = 0.95;

  private final TrainConfig base;
  private final List<HeadKind> heads;
  private final List<Long> seeds;
  private final Path out;
  private final boolean progress;
  private final PrintStream log;
  private final ConfigProto sessionConfig;
  private final GradientLogging gradientLogging;
  private final boolean equalParameters;
  /** Each head's width, once known (see {@link #widths()}). */
  private Map<HeadKind, Long> widths;

  private Ablation(Builder b) {
    checkArgument(b.base.features() == null, "an ablation trains on images (a dataset or your own data), not on"
        + " features computed before (%s)", b.base.features());
    this.base = b.base;
    this.heads = ImmutableList.copyOf(b.heads);
    this.seeds = ImmutableList.copyOf(b.seeds);
    this.out = b.out;
    this.progress = b.progress;
    this.log = b.log;
    this.sessionConfig = b.sessionConfig;
    this.gradientLogging = b.gradientLogging;
    this.equalParameters = b.equalParameters;
  }

  /** An ablation of {@code base}'s dataset, backbone and training settings; its head and seed are replaced. */
  public static Builder builder(TrainConfig base) {
    return new Builder(base);
  }

  /**
   * One planned run.
   *
   * @param name {@code HEAD-seedSEED}, its folder's name under {@code out/runs/}
   */
  public record Run(HeadKind head, long seed, String name, Path dir, TrainConfig config) {}

  /** The runs, seed by seed (so that an interrupted ablation leaves whole pairs), heads in the given order. */
  public List<Run> plan() {
    List<Run> runs = new ArrayList<>();
    for (long seed : seeds) {
      for (HeadKind head : heads) {
        String name = head.cliName() + "-seed" + seed;
        runs.add(new Run(head, seed, name, out.resolve("runs").resolve(name),
            base.toBuilder().head(head).seed(seed).width(widths().get(head)).build()));
      }
    }
    return runs;
  }

  /**
   * The width of each head: the base config's, or with {@link Builder#equalParameters} the width at which each head
   * has the reference head's parameter count at the base width ({@link HeadKind#widthForParameters}). The latter
   * needs the backbone's feature size and the number of classes: the data of the first seed is loaded to know them.
   */
  public Map<HeadKind, Long> widths() {
    if (widths == null) {
      Map<HeadKind, Long> w = new EnumMap<>(HeadKind.class);
      if (!equalParameters) {
        heads.forEach(h -> w.put(h, base.width()));
      } else {
        TrainConfig ref = base.toBuilder().head(reference()).seed(seeds.get(0)).build();
        DatasetSplits data = Runs.loadData(ref);
        HeadSpec spec = Runs.headSpec(ref, Runs.model(ref, data.train()).backbone().featureSize(),
            data.train().numClasses());
        long parameters = reference().create(spec).parameterCount();
        for (HeadKind h : heads) {
          w.put(h, h == reference() ? base.width() : h.widthForParameters(spec, parameters));
        }
        StringBuilder text = new StringBuilder();
        w.forEach((h, width) -> text.append(text.length() == 0 ? "" : ", ").append(h.cliName()).append(' ')
            .append(width));
        log.printf("ablation: equal parameters (%,d in the %s head at width %d): widths %s%n", parameters,
            reference().cliName(), base.width(), text);
      }
      widths = Map.copyOf(w);
    }
    return widths;
  }

  /** The head the others are compared with: progressive when it is among the heads, else the first. */
  public HeadKind reference() {
    return heads.contains(HeadKind.PROGRESSIVE) ? HeadKind.PROGRESSIVE : heads.get(0);
  }

  /**
   * Trains every run that is not finished yet (see the class comment), then writes the report into the
   * output folder: {@code ablation.md}, {@code ablation.json}, {@code accuracy.png},
   * {@code validation-curves.png} and each run's {@code curves.png}.
   *
   * @throws IllegalArgumentException when a run folder holds a run of another configuration
   * @throws RunFolderLock.RunFolderBusyException when another process runs an ablation in the folder
   */
  public AblationReport run() {
    List<Run> plan = plan();
    for (Run r : plan) {
      checkSameConfig(r);
    }
    // a second ablation in the folder would train the same unfinished runs at the same time
    try (RunFolderLock lock = RunFolderLock.acquire(out, "an ablation")) {
      return runLocked(plan);
    }
  }

  private AblationReport runLocked(List<Run> plan) {
    try {
      Files.createDirectories(out.resolve("runs"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + out.resolve("runs") + ": " + e.getMessage(), e);
    }
    long seedOfData = Long.MIN_VALUE;
    DatasetSplits data = null;
    int i = 0;
    long toTrain = plan.stream().filter(r -> Runs.finishedResult(r.dir()).isEmpty()).count();
    Progress progressSoFar = new Progress(toTrain);
    for (Run r : plan) {
      i++;
      String of = String.format("ablation: run %d/%d %s", i, plan.size(), r.name());
      if (Runs.finishedResult(r.dir()).isPresent()) {
        log.printf("%s: finished before (%s), not trained again%n", of, r.dir().resolve("result.json"));
        continue;
      }
      Runs.Options options = Runs.Options.of(r.dir()).withProgress(progress).withLog(log)
          .withSessionConfig(sessionConfig).withGradientLogging(gradientLogging)
          .withCallbacks(new PairingProbe(r.dir(), r.head().cliName(), r.seed()));
      boolean started = Files.isRegularFile(r.dir().resolve("config.json"));
      if (started && new Checkpoints(r.dir(), r.config().keepCheckpoints()).latest().isPresent()) {
        log.printf("%s: unfinished, continuing from its newest checkpoint%n", of);
        long start = System.nanoTime();
        Runs.resume(options);
        log.println(progressSoFar.ran(System.nanoTime() - start));
        continue;
      }
      if (Files.exists(r.dir())) {
        log.printf("%s: unfinished with no checkpoint, starting it again%n", of);
        deleteTree(r.dir());
      } else {
        log.printf("%s: training%n", of);
      }
      if (data == null || seedOfData != r.seed()) {
        data = Runs.loadData(r.config()); // one seed's splits in memory at a time
        seedOfData = r.seed();
      }
      long start = System.nanoTime();
      Runs.start(r.config(), options, data);
      log.println(progressSoFar.ran(System.nanoTime() - start));
    }
    return writeReport();
  }

  /**
   * Writes the report of the runs finished so far into the output folder and trains nothing: to look at a long
   * ablation midway, also while another process trains it (each file a run writes, and each report file, is
   * written whole, then renamed). A partial report names the runs not finished.
   *
   * @throws IllegalArgumentException when no run has finished, or a run folder holds a run of another configuration
   */
  public AblationReport writeReport() {
    for (Run r : plan()) {
      checkSameConfig(r);
    }
    AblationReport report = report();
    checkArgument(!report.runs().isEmpty(), "%s holds no finished run of this ablation: start it (without"
        + " --report-only), or give the folder and options it was started with", out.resolve("runs"));
    report.write(out);
    for (Run r : plan()) {
      long trained = Runs.finishedResult(r.dir()).isPresent() ? 0 : Runs.epochsLogged(r.dir());
      if (trained > 0) {
        log.printf("ablation: %s not finished: %d of %d epochs trained%n", r.name(), trained, r.config().epochs());
      }
    }
    int missing = report.runsNotFinished().size();
    log.printf("ablation: report in %s (ablation.md, ablation.json, accuracy.png, validation-curves.png)%s%n", out,
        missing == 0 ? "" : String.format(Locale.ROOT, "; partial: %d of %d runs not finished", missing,
            plan().size()));
    return report;
  }

  /** How far this invocation is: runs trained, their time, and the rest estimated at their mean. */
  private static final class Progress {
    private final long toTrain;
    private long trained;
    private long nanos;

    Progress(long toTrain) {
      this.toTrain = toTrain;
    }

    /** Counts a run that took {@code runNanos}, and says how far the ablation is. */
    String ran(long runNanos) {
      trained++;
      nanos += runNanos;
      long left = toTrain - trained;
      String line = String.format(Locale.ROOT, "ablation: %d of %d runs to train done in %s", trained,
          toTrain, minutes(nanos));
      return left <= 0 ? line : line + String.format(Locale.ROOT, "; about %s left (%d %s at their"
          + " mean so far)", minutes(nanos / trained * left), left, left == 1 ? "run" : "runs");
    }

    private static String minutes(long nanos) {
      double m = nanos / 60e9;
      return m < 1 ? String.format(Locale.ROOT, "%.0f s", nanos / 1e9)
          : String.format(Locale.ROOT, "%.1f min", m);
    }
  }

  /** The report of the runs finished so far, without training anything (nothing is written). */
  public AblationReport report() {
    List<AblationReport.Finished> finished = new ArrayList<>();
    for (Run r : plan()) {
      Optional<TrainResult> result = Runs.finishedResult(r.dir());
      if (result.isPresent()) {
        finished.add(new AblationReport.Finished(r, result.get(), PairingProbe.read(r.dir().resolve(RunRecord.FILE)),
            GradientRatio.read(r.dir()).orElse(null)));
      }
    }
    return AblationReport.of(base, heads, reference(), seeds, LEVEL, finished, widths(), equalParameters);
  }

  /** A run folder with another run's config.json is refused: its results would pass for this run's. */
  private void checkSameConfig(Run r) {
    Optional<TrainConfig> existing = Runs.readConfig(r.dir());
    if (existing.isPresent() && !existing.get().equals(r.config())) {
      throw new IllegalArgumentException(r.dir().resolve("config.json") + " holds another run (" + differences(
          existing.get(), r.config()) + "): give the ablation another output folder, or delete " + r.dir()
          + " to train it again");
    }
  }

  /** "epochs 3 there, 5 here; lr ..." for the fields that differ. */
  static String differences(TrainConfig there, TrainConfig here) {
    JsonNode a = JSON.valueToTree(there);
    JsonNode b = JSON.valueToTree(here);
    List<String> diffs = new ArrayList<>();
    java.util.Set<String> names = new HashSet<>();
    a.fieldNames().forEachRemaining(names::add);
    b.fieldNames().forEachRemaining(names::add);
    for (String name : names.stream().sorted().toList()) {
      if (!java.util.Objects.equals(a.get(name), b.get(name))) {
        diffs.add(name + " " + a.get(name) + " there, " + b.get(name) + " here");
      }
    }
    return String.join("; ", diffs);
  }

  private static void deleteTree(Path root) {
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete the unfinished run " + root + ": " + e.getMessage(), e);
    }
  }

  public TrainConfig base() {
    return base;
  }

  public List<HeadKind> heads() {
    return heads;
  }

  public List<Long> seeds() {
    return seeds;
  }

  public Path out() {
    return out;
  }

  /**
   * Builds an {@link Ablation}. Defaults: the three heads (progressive first: the others are compared with
   * it), seeds 1, 2, 3, no progress bar (one line per epoch), logs to stderr, TensorFlow's default session,
   * no gradient logging. The output folder is required.
   */
  public static final class Builder {
    private final TrainConfig base;
    private List<HeadKind> heads = List.of(HeadKind.PROGRESSIVE, HeadKind.SPINAL, HeadKind.DENSE);
    private List<Long> seeds = DEFAULT_SEEDS;
    private Path out;
    private boolean progress;
    private PrintStream log = System.err;
    private ConfigProto sessionConfig;
    private GradientLogging gradientLogging = GradientLogging.OFF;
    private boolean equalParameters;

    private Builder(TrainConfig base) {
      this.base = checkNotNull(base, "Ablation.base");
    }

    /** The heads to compare, each at the base config's width, depth, dropout and batch norm. */
    public Builder heads(HeadKind... values) {
      return heads(List.of(values));
    }

    public Builder heads(List<HeadKind> values) {
      checkArgument(!values.isEmpty(), "Ablation.heads must name at least one head");
      checkArgument(new HashSet<>(values).size() == values.size(), "Ablation.heads lists a head twice: %s", values);
      this.heads = List.copyOf(values);
      return this;
    }

    /** The seeds; each gives every head the same split, batches, augmentation and backbone initialization. */
    public Builder seeds(long... values) {
      List<Long> list = new ArrayList<>();
      for (long v : values) {
        list.add(v);
      }
      return seeds(list);
    }

    public Builder seeds(List<Long> values) {
      checkArgument(!values.isEmpty(), "Ablation.seeds must hold at least one seed");
      checkArgument(new HashSet<>(values).size() == values.size(), "Ablation.seeds lists a seed twice: %s", values);
      this.seeds = List.copyOf(values);
      return this;
    }

    /** The ablation's folder: {@code runs/} and the report go there. Required. */
    public Builder out(Path value) {
      this.out = checkNotNull(value, "Ablation.out");
      return this;
    }

    /** A progress bar per run (default off: one line per epoch). */
    public Builder progress(boolean on) {
      this.progress = on;
      return this;
    }

    /** Where the epoch lines and the ablation's own lines go (default stderr). */
    public Builder log(PrintStream value) {
      this.log = checkNotNull(value, "Ablation.log");
      return this;
    }

    /** TF session options of every run, or null for TensorFlow's defaults. */
    public Builder sessionConfig(ConfigProto value) {
      this.sessionConfig = value;
      return this;
    }

    /** Gradient norms (and histograms) of every run into its {@code tensorboard/}. */
    /**
     * Compare the heads at equal size rather than at equal width: every head but the reference (progressive) is
     * trained at the width that gives it the reference's parameter count at the base width (the closest width).
     */
    public Builder equalParameters(boolean on) {
      this.equalParameters = on;
      return this;
    }

    public Builder gradientLogging(GradientLogging value) {
      this.gradientLogging = checkNotNull(value, "Ablation.gradientLogging");
      return this;
    }

    /** @throws IllegalArgumentException naming the field: no output folder */
    public Ablation build() {
      checkArgument(out != null, "Ablation.out (the output folder) is required");
      return new Ablation(this);
    }
  }
}
