package dev.spinal.datasets;

import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * One batch from a {@link BatchStream}: {@link #images()} float32 {@code [size, height, width, channels]} (NHWC,
 * normalized) and {@link #labels()} int32 {@code [size]}. Owns both tensors: close it (try-with-resources) when the
 * training step has run; the tensors' memory is native and invisible to the garbage collector.
 */
public final class Batch implements AutoCloseable {
  private final TFloat32 images;
  private final TInt32 labels;
  private final int[] indices;
  private final int epoch;
  private final int index;
  private boolean closed;

  /** A batch that owns {@code images} and {@code labels}; {@code indices} are the examples' rows in their split. */
  public Batch(TFloat32 images, TInt32 labels, int[] indices, int epoch, int index) {
    this.images = images;
    this.labels = labels;
    this.indices = indices;
    this.epoch = epoch;
    this.index = index;
  }

  /** float32 {@code [size, height, width, channels]}. */
  public TFloat32 images() {
    return images;
  }

  /** int32 {@code [size]}, class indices. */
  public TInt32 labels() {
    return labels;
  }

  /** Number of images (the last batch of an epoch may be smaller unless {@code dropLast}). */
  public int size() {
    return indices.length;
  }

  /** Positions in the source {@link ImageDataset} of this batch's images, in batch order. */
  public int[] indices() {
    return indices.clone();
  }

  public int epoch() {
    return epoch;
  }

  /** This batch's number within its epoch, from 0. */
  public int index() {
    return index;
  }

  public boolean isClosed() {
    return closed;
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      images.close();
      labels.close();
    }
  }
}
