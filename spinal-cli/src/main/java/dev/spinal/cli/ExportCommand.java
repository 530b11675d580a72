package dev.spinal.cli;

import dev.spinal.core.backbones.Backbone;
import dev.spinal.datasets.DatasetId;
import dev.spinal.datasets.DatasetSplits;
import dev.spinal.datasets.Normalization;
import dev.spinal.train.Backbones;
import dev.spinal.train.Checkpoints;
import dev.spinal.savedmodel.ModelExporter;
import dev.spinal.train.TrainConfig;
import dev.spinal.train.Runs;
import java.nio.file.Files;
import java.nio.file.Path;
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
    Path configFile = run.resolve("config.json");
    if (!Files.isRegularFile(configFile)) {
      throw new IllegalArgumentException("not a run folder: " + configFile + " does not exist");
    }
    TrainConfig config = Checkpoints.JSON_READER.readValue(configFile.toFile(), TrainConfig.class);
    Path from = checkpoint != null ? checkpoint : run.resolve("checkpoints/best");
    if (config.features() != null) {
      Path written = Runs.exportFeaturesCheckpoint(config, run, from, out,
          Map.of("config", config, "checkpoint", from.toString()));
      System.out.println("exported " + from + " to " + written);
      return 0;
    }
    DatasetSplits data = Runs.loadData(config);
    var train = data.train();
    Path written = Runs.exportCheckpoint(config, from, train, out,
        Map.of("config", config, "checkpoint", from.toString(), "classes", train.classNames()));
    System.out.println("exported " + from + " to " + written);
    return 0;
  }

}
