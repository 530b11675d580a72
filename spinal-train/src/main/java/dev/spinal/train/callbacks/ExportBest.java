package dev.spinal.train.callbacks;

import dev.spinal.train.Checkpoints;
import dev.spinal.train.FitContext;
import dev.spinal.train.TrainResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * At the end of a run that was not stopped early, restores the best-validation checkpoint and exports
 * it for TF Serving as the next version under {@code base} ({@code BASE/<version>/}: an inference
 * graph, backbone + head, {@code serving_default} from {@code images}). Needs the run's
 * {@link Checkpointing}, listed before this callback.
 */
public final class ExportBest implements Callback {

  private static final Logger log = LoggerFactory.getLogger(ExportBest.class);
  private final Checkpointing checkpointing;
  private final Path base;
  private final Function<TrainResult, Map<String, Object>> metadata;

  /**
   * @param metadata what to write to the export's {@code assets.extra/spinal.json}, given the result
   */
  public ExportBest(Checkpointing checkpointing, Path base, Function<TrainResult, Map<String, Object>> metadata) {
    this.checkpointing = checkpointing;
    this.base = base;
    this.metadata = metadata;
  }

  /** With metadata that names the best epoch and its accuracies. */
  public ExportBest(Checkpointing checkpointing, Path base) {
    this(checkpointing, base, ExportBest::basicMetadata);
  }

  @Override
  public void onTrainEnd(FitContext fit, TrainResult result) {
    if (result.stoppedEarly() || result.history().isEmpty()) {
      log.info("stopped early: nothing exported");
      return;
    }
    Checkpoints.restore(fit.session(), checkpointing.checkpoints().best());
    try {
      Path dir = fit.export(base, metadata.apply(result));
      log.info("exported the best-validation model (epoch {}) to {}", result.bestEpoch(), dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot export to " + base + ": " + e.getMessage(), e);
    }
  }

  static Map<String, Object> basicMetadata(TrainResult result) {
    Map<String, Object> meta = new LinkedHashMap<>();
    meta.put("epoch", result.bestEpoch());
    meta.put("validation_accuracy", result.validationAccuracy());
    meta.put("test_accuracy", result.testAccuracy());
    return meta;
  }
}
