package dev.spinal.train.batches;

import dev.spinal.datasets.Batch;
import java.util.NoSuchElementException;
import java.util.Random;

/**
 * Batches of a frozen backbone's features cached in memory ({@link FeatureCache}), as
 * {@code [b, 1, 1, D]} so that a head trains on them through a flatten "backbone". An epoch costs the
 * head alone. No augmentation: the features are those of the un-augmented images.
 */
public final class FeatureBatches implements BatchSource {

  private final FeatureCache cache;
  private final int numClasses;

  public FeatureBatches(FeatureCache cache, int numClasses) {
    this.cache = cache;
    this.numClasses = numClasses;
  }

  public FeatureCache cache() {
    return cache;
  }

  @Override
  public int size() {
    return cache.size();
  }

  @Override
  public int numClasses() {
    return numClasses;
  }

  @Override
  public Batches epoch(int epoch, int batchSize, long seed) {
    return batches(permutation(cache.size(), seed, epoch), batchSize, cache.size() / batchSize, epoch);
  }

  @Override
  public Batches inOrder(int batchSize) {
    int[] rows = new int[cache.size()];
    for (int i = 0; i < rows.length; i++) {
      rows[i] = i;
    }
    return batches(rows, batchSize, (rows.length + batchSize - 1) / batchSize, -1);
  }

  private Batches batches(int[] rows, int batchSize, int count, int epoch) {
    return new Batches() {
      private int next;

      @Override
      public int count() {
        return count;
      }

      @Override
      public boolean hasNext() {
        return next < count;
      }

      @Override
      public Batch next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        int from = next * batchSize;
        int to = Math.min(rows.length, from + batchSize);
        int[] indices = java.util.Arrays.copyOfRange(rows, from, to);
        return new Batch(cache.batch(rows, from, to), cache.labels(rows, from, to), indices, epoch, next++);
      }

      @Override
      public void close() {}
    };
  }

  /** A seeded permutation of {@code [0, n)}, a function of (seed, epoch) only: resume sees the same order. */
  static int[] permutation(int n, long seed, int epoch) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Random random = new Random(seed * 1_000_003L + epoch);
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    return order;
  }
}
