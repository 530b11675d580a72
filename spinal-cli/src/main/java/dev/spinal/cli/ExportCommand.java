package dev.spinal.cli;

import dev.spinal.core.backbones.Backbone;
import dev.spinal.datasets.DatasetId;
import dev.spinal.datasets.DatasetSplits;
import dev.spinal.datasets.Normalization;
import dev.spinal.train.Backbones;
import dev.spinal.savedmodel.ModelExporter;
import dev.spinal.train.RecipeOverrides;
import dev.spinal.train.TrainConfig;
import dev.spinal.train.Runs;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code spinal export}: a run's best (or a named) checkpoint as a SavedModel for TF Serving. */
@Command(name = "export", description = "Export a run's best checkpoint to BASE/<next version>/ for TF Serving.")
final class ExportCommand implements Callable<Integer> {

  @Option(names = "--run", paramLabel = "DIR", required = true, description = "The run folder (what spinal train --out wrote).")
  Path run;
  @Option(names = "--checkpoint", paramLabel = "DIR", description = "The checkpoint folder to export. Default: RUN/checkpoints/best"
      + " (the epoch with the best validation accuracy).")
  Path checkpoint;
  @Option(names = "--out", paramLabel = "BASE", required = true, description = "Export base folder: the model goes to"
      + " OUT/<next version>/; an existing version is never overwritten.")
  Path out;

  @Override
  public Integer call() throws Exception {
    TrainConfig config = Runs.readConfig(run).orElseThrow(() -> new IllegalArgumentException(
        "not a run folder: " + run.resolve("config.json") + " does not exist"));
    Path from = checkpoint != null ? checkpoint : run.resolve("checkpoints/best");
    if (config.features() != null) {
      Path written = Runs.exportFeaturesCheckpoint(config, run, from, out,
          Map.of("config", config, "checkpoint", from.toString()));
      System.out.println("exported " + from + " to " + written);
      return 0;
    }
    DatasetSplits data = Runs.loadData(config);
    var train = data.train();
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("config", config);
    RecipeOverrides.of(config).ifPresent(r -> metadata.put("recipe", r.toMetadata()));
    metadata.put("checkpoint", from.toString());
    metadata.put("classes", train.classNames());
    Path written = Runs.exportCheckpoint(config, from, train, out, metadata);
    System.out.println("exported " + from + " to " + written);
    return 0;
  }

}
