package dev.spinal.train.batches;

import static com.google.common.base.Preconditions.checkArgument;

import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * A split's backbone features, kept in memory: row-major {@code [n, D]} floats and their labels.
 * Batches are {@code [b, 1, 1, D]} so that a head trains on them through a flatten "backbone".
 *
 * @param seconds how long computing them took
 */
public record FeatureCache(float[] features, int[] labels, int dimension, double seconds) {

  public FeatureCache {
    checkArgument(features.length == (long) labels.length * dimension,
        "%s features for %s labels of dimension %s", features.length, labels.length, dimension);
  }

  public int size() {
    return labels.length;
  }

  /** Features of the rows {@code rows[from, to)} as {@code [to-from, 1, 1, D]}. */
  public TFloat32 batch(int[] rows, int from, int to) {
    float[] out = new float[(to - from) * dimension];
    for (int k = from; k < to; k++) {
      System.arraycopy(features, rows[k] * dimension, out, (k - from) * dimension, dimension);
    }
    return TFloat32.tensorOf(Shape.of(to - from, 1, 1, dimension), DataBuffers.of(out, true, false));
  }

  /** Labels of the rows {@code rows[from, to)}. */
  public TInt32 labels(int[] rows, int from, int to) {
    int[] out = new int[to - from];
    for (int k = from; k < to; k++) {
      out[k - from] = labels[rows[k]];
    }
    return TInt32.tensorOf(Shape.of(to - from), DataBuffers.of(out, true, false));
  }
}
