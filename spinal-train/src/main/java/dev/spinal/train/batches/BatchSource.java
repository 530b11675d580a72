package dev.spinal.train.batches;

import dev.spinal.datasets.Batch;
import java.util.Iterator;

/**
 * Where a {@link dev.spinal.train.Trainer}'s batches come from: images ({@link ImageBatches}, decoded
 * and augmented per epoch) or a frozen backbone's cached features ({@link FeatureBatches}). The
 * training loop is the same for both.
 *
 * <p>Every batch is {@code [b, H, W, C]} float32 (for features {@code [b, 1, 1, D]}) with int32
 * labels {@code [b]}. Training epochs are shuffled as a function of (seed, epoch) only, so a resumed
 * run sees the same order as an uninterrupted one.
 */
public interface BatchSource {

  /** Number of examples. */
  int size();

  /** Number of classes of the labels. */
  int numClasses();

  /** One training epoch: shuffled by (seed, epoch), full batches only (the remainder is dropped). */
  Batches epoch(int epoch, int batchSize, long seed);

  /** Every example once, in order, the last batch possibly smaller: for evaluation. */
  Batches inOrder(int batchSize);

  /** Batches of one pass; each {@link Batch} is closed by its user, the pass by {@link #close()}. */
  interface Batches extends Iterator<Batch>, AutoCloseable {
    /** Number of batches this pass yields. */
    int count();

    @Override
    void close();
  }
}
