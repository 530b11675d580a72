package dev.spinal.train;

import static com.google.common.base.Preconditions.checkArgument;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spinal.train.plots.Plots;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Finished runs side by side: each one's result (test accuracy at the best-validation epoch, the paper's protocol
 * beside it), the settings in which their {@code config.json}s differ, and their validation and test accuracy per
 * epoch as one chart. What {@code spinal compare} prints and plots.
 *
 * <pre>{@code
 * RunComparison c = RunComparison.of(List.of(Path.of("runs/plain"), Path.of("runs/ema")));
 * System.out.print(c.table());
 * c.plot(Path.of("compare.png"));
 * }</pre>
 */
public final class RunComparison {

  /** One run: its name (the folder's), folder, result and settings as {@code config.json} holds them. */
  public record Run(String name, Path dir, TrainResult result, JsonNode config) {}

  private final List<Run> runs;

  private RunComparison(List<Run> runs) {
    this.runs = List.copyOf(runs);
  }

  /**
   * Reads the finished runs in {@code runDirs}.
   *
   * @throws IllegalArgumentException naming a folder that is not a run, or a run that has not finished
   */
  public static RunComparison of(List<Path> runDirs) {
    Set<String> names = new LinkedHashSet<>();
    List<String> named = new ArrayList<>();
    for (Path dir : runDirs) {
      String name = dir.toAbsolutePath().normalize().getFileName().toString();
      // two runs of the same name in different folders: the whole path tells them apart
      named.add(names.add(name) ? name : dir.toString());
    }
    return of(runDirs, named);
  }

  /**
   * Reads the finished runs in {@code runDirs}, called {@code names} (one each, in the same order) in the tables
   * and the chart.
   *
   * @throws IllegalArgumentException naming a folder that is not a run, or a run that has not finished; when the
   *     names are not one per run or repeat
   */
  public static RunComparison of(List<Path> runDirs, List<String> names) {
    checkArgument(!runDirs.isEmpty(), "no runs to compare: give one or more run folders");
    checkArgument(names.size() == runDirs.size(), "%s names for %s runs: give one name per run", names.size(),
        runDirs.size());
    checkArgument(new LinkedHashSet<>(names).size() == names.size(), "the runs' names repeat (%s): give each run its"
        + " own", String.join(", ", names));
    List<Run> runs = new ArrayList<>();
    for (int i = 0; i < runDirs.size(); i++) {
      Path dir = runDirs.get(i);
      Path config = dir.resolve("config.json");
      checkArgument(Files.isRegularFile(config), "%s is not a run folder (it has no config.json): give the --out"
          + " folder of a spinal train run", dir);
      TrainResult result = Runs.finishedResult(dir).orElseThrow(() -> new IllegalArgumentException(dir + " has not"
          + " finished (no readable result.json, or it stopped before its last epoch): continue it with spinal train"
          + " --resume " + dir));
      runs.add(new Run(names.get(i), dir, result, readConfig(config)));
    }
    return new RunComparison(runs);
  }

  private static JsonNode readConfig(Path file) {
    try {
      return Checkpoints.JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(file + " cannot be read as a run's settings: " + e.getMessage(), e);
    }
  }

  public List<Run> runs() {
    return runs;
  }

  /** The {@code config.json} fields whose values are not the same in every run, each run's value in run order. */
  public Map<String, List<String>> differingSettings() {
    Set<String> fields = new LinkedHashSet<>();
    for (Run r : runs) {
      for (Iterator<String> it = r.config().fieldNames(); it.hasNext(); ) {
        fields.add(it.next());
      }
    }
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (String field : fields) {
      List<String> values = new ArrayList<>();
      for (Run r : runs) {
        JsonNode v = r.config().get(field);
        values.add(v == null || v.isNull() ? "-" : v.isValueNode() ? v.asText() : v.toString());
      }
      if (values.stream().distinct().count() > 1) {
        out.put(field, values);
      }
    }
    return out;
  }

  /**
   * A Markdown table of the runs (epochs, best-validation epoch, validation and test accuracy there, the paper's
   * protocol, time), then one of the settings that differ.
   */
  public String table() {
    StringBuilder md = new StringBuilder();
    md.append("| run | epochs | best-validation epoch | validation | test at it | paper's protocol (selects on test)"
        + " | wall time of the fit |\n|---|---|---|---|---|---|---|\n");
    for (Run r : runs) {
      TrainResult t = r.result();
      md.append(String.format(Locale.ROOT, "| %s | %d | %d | %.2f %% | %.2f %% | %.2f %% | %s |%n", r.name(),
          t.history().size(), t.bestEpoch(), 100 * t.validationAccuracy(), 100 * t.testAccuracy(),
          100 * t.paperProtocolTestAccuracy(), duration(t.seconds())));
    }
    Map<String, List<String>> differing = differingSettings();
    md.append('\n');
    if (differing.isEmpty()) {
      md.append("Every setting in config.json is the same.\n");
      return md.toString();
    }
    md.append("| setting |");
    runs.forEach(r -> md.append(' ').append(r.name()).append(" |"));
    md.append("\n|---|").append("---|".repeat(runs.size())).append('\n');
    differing.forEach((field, values) -> {
      md.append("| ").append(field).append(" |");
      values.forEach(v -> md.append(' ').append(v).append(" |"));
      md.append('\n');
    });
    return md.toString();
  }

  private static String duration(double seconds) {
    long s = Math.round(seconds);
    return s >= 3600 ? String.format(Locale.ROOT, "%d h %02d min", s / 3600, s / 60 % 60)
        : String.format(Locale.ROOT, "%d min %02d s", s / 60, s % 60);
  }

  /** Writes the runs' validation and test accuracy per epoch as a PNG ({@link Plots#runCurves}). */
  public void plot(Path png) {
    Map<String, List<EpochMetrics>> curves = new LinkedHashMap<>();
    runs.forEach(r -> curves.put(r.name(), r.result().history()));
    Plots.runCurves("Accuracy per epoch of " + runs.size() + (runs.size() == 1 ? " run" : " runs"), curves, png);
  }
}
