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
 * @param progress the interrupted epoch's running loss sum and counts (zero between epochs), so that a
 *     resumed epoch reports the same train loss and accuracy as an uninterrupted one
 */
public record RunState(
    int epochsDone,
    int batchesDone,
    long step,
    double learningRate,
    int bestEpoch,
    double bestValidationAccuracy,
    List<EpochMetrics> history,
    EpochProgress progress) {

  /** Sums over the batches of an epoch trained so far. */
  public record EpochProgress(double lossSum, long correct, long seen) {
    public static final EpochProgress NONE = new EpochProgress(0, 0, 0);
  }

  public RunState {
    progress = progress == null ? EpochProgress.NONE : progress; // a state.json written before this field
  }

  /** A state between epochs. */
  public RunState(int epochsDone, int batchesDone, long step, double learningRate, int bestEpoch,
      double bestValidationAccuracy, List<EpochMetrics> history) {
    this(epochsDone, batchesDone, step, learningRate, bestEpoch, bestValidationAccuracy, history, EpochProgress.NONE);
  }

  public static RunState start(double learningRate) {
    return new RunState(0, 0, 0, learningRate, 0, -1, List.of());
  }
}
