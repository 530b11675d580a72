package dev.spinal.train;

import java.nio.file.Path;
import java.util.List;

/**
 * The outcome of a run.
 *
 * @param bestEpoch 1-based epoch with the best validation accuracy
 * @param testAccuracy test accuracy of that epoch: the honest result
 * @param paperProtocolTestAccuracy best test accuracy over all epochs (the paper's scripts' protocol,
 *     which selects on the test set; reported for comparison with the paper's table only)
 * @param exportDir the SavedModel written, or null
 * @param stoppedEarly true when Ctrl-C (or another stop request) ended the run before its last epoch: unfinished,
 *     {@code --resume} continues it
 * @param earlyStopped true when early stopping ended the run before its last epoch ({@link
 *     Trainer.Builder#earlyStopping}): finished, there is nothing to resume
 */
public record TrainResult(
    int bestEpoch,
    double validationAccuracy,
    double testAccuracy,
    double paperProtocolTestAccuracy,
    List<EpochMetrics> history,
    Path exportDir,
    double seconds,
    boolean stoppedEarly,
    boolean earlyStopped) {}
