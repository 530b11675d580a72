package dev.spinal.train;

import java.util.List;

/**
 * Where a run stands after a completed epoch, saved beside each checkpoint: enough, with the
 * variables (weights, optimizer slots, learning rate, batch-norm statistics), to continue exactly.
 *
 * @param epochsDone completed epochs; the next epoch is this number (0-based)
 * @param batchesDone batches of the next epoch already trained (non-zero only after Ctrl-C)
 * @param step global step count so far
 * @param learningRate the rate for the next epoch
 * @param bestEpoch 1-based epoch with the best validation accuracy so far (0 = none)
 */
public record RunState(
    int epochsDone,
    int batchesDone,
    long step,
    double learningRate,
    int bestEpoch,
    double bestValidationAccuracy,
    List<EpochMetrics> history) {

  public static RunState start(double learningRate) {
    return new RunState(0, 0, 0, learningRate, 0, -1, List.of());
  }
}
