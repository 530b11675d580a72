package dev.spinal.train.callbacks;

import dev.spinal.train.EpochMetrics;
import dev.spinal.datasets.Batch;
import dev.spinal.train.FitContext;
import dev.spinal.train.GradientSnapshot;
import dev.spinal.train.TrainResult;

/**
 * Something that happens around {@link dev.spinal.train.Trainer#fit}'s loop, in the shape of Keras'
 * and Lightning's callbacks: the progress bar, metrics files, TensorBoard, checkpoints, the NaN
 * guard, the stop on Ctrl-C and the export of the best epoch are each one callback. Every method
 * does nothing by default; override the events you need. Callbacks run in the order given to the
 * trainer, on the training thread.
 *
 * <p>Epoch numbers passed here are 0-based; {@link EpochMetrics#epoch()} is 1-based.
 */
public interface Callback {

  /** Before the first epoch (after a resume restored its checkpoint: {@code fit.state()} says where). */
  default void onTrainBegin(FitContext fit) {}

  /** Before epoch {@code epoch}, which will run {@code batches} training batches. */
  default void onEpochBegin(FitContext fit, int epoch, int batches) {}

  /** After each training step. */
  default void onBatchEnd(FitContext fit, BatchEnd batch) {}

  /**
   * After a training step whose weight gradients were measured ({@link dev.spinal.train.Trainer.Builder#gradientLogging}),
   * before that step's {@link #onBatchEnd}. The snapshot's tensors are valid only during the call.
   */
  default void onGradients(FitContext fit, GradientSnapshot gradients) {}

  /**
   * After an epoch's training and evaluation; {@code fit.state()} already counts the epoch (its
   * learning rate is the next epoch's).
   *
   * @param improved whether the epoch improved the best validation accuracy
   */
  default void onEpochEnd(FitContext fit, EpochMetrics metrics, boolean improved) {}

  /** A stop was requested in the middle of an epoch; {@code fit.state()} says how far it got. */
  default void onInterrupted(FitContext fit) {}

  /** After the loop, with its result; not called when training failed with an exception. */
  default void onTrainEnd(FitContext fit, TrainResult result) {}

  /** Training failed with {@code error} (rethrown after every callback saw it). */
  default void onTrainFailed(FitContext fit, RuntimeException error) {}

  /**
   * Once after each fit, however it ended (after {@link #onTrainEnd} or {@link #onTrainFailed}): release
   * what the callback holds (files, progress bars). A failure here is thrown after every callback closed,
   * or added to the training failure's suppressed exceptions.
   */
  default void close() {}

  /**
   * What one training step measured.
   *
   * @param epoch 0-based
   * @param batch 0-based index in the epoch
   * @param step global step after this one
   * @param meanLoss mean loss of the epoch's batches so far
   * @param imagesPerSecond of the epoch so far
   * @param data the batch just trained: images {@code [size, H, W, C]} (or cached features {@code [size, 1, 1,
   *     D]}) and labels {@code [size]}; valid only during the call
   */
  record BatchEnd(int epoch, int batch, long step, double loss, int correct, int size, double meanLoss,
      double imagesPerSecond, Batch data) {}
}
