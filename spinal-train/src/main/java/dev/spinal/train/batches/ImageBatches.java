package dev.spinal.train.batches;

import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.collect.ImmutableList;
import dev.spinal.datasets.Augmentation;
import dev.spinal.datasets.Batch;
import dev.spinal.datasets.BatchStream;
import dev.spinal.datasets.ImageDataset;
import dev.spinal.datasets.Normalization;
import java.util.List;

/**
 * Batches of a split's images, pixels / 255 (the model normalizes them in the graph), decoded and
 * augmented in background threads ({@link BatchStream}). Augmentation applies to training epochs
 * only, seeded by (seed, epoch).
 */
public final class ImageBatches implements BatchSource {

  private final ImageDataset data;
  private final List<Augmentation> augmentation;

  private ImageBatches(ImageDataset data, List<Augmentation> augmentation) {
    this.data = checkNotNull(data, "data");
    this.augmentation = ImmutableList.copyOf(augmentation);
  }

  /** The images of {@code data}, not augmented. */
  public static ImageBatches of(ImageDataset data) {
    return new ImageBatches(data, List.of());
  }

  /** The images of {@code data}, augmented in training epochs by {@code steps} in order. */
  public static ImageBatches augmented(ImageDataset data, List<Augmentation> steps) {
    return new ImageBatches(data, steps);
  }

  public ImageDataset dataset() {
    return data;
  }

  @Override
  public int size() {
    return data.size();
  }

  @Override
  public int numClasses() {
    return data.numClasses();
  }

  @Override
  public Batches epoch(int epoch, int batchSize, long seed) {
    BatchStream.Builder b = BatchStream.builder(data).batchSize(batchSize).shuffle(seed).seed(seed).epoch(epoch)
        .normalize(Normalization.UNIT).prefetch(3).dropLast(true);
    if (!augmentation.isEmpty()) {
      b.augment(augmentation);
    }
    return wrap(b.build());
  }

  @Override
  public Batches inOrder(int batchSize) {
    return wrap(BatchStream.builder(data).batchSize(batchSize).normalize(Normalization.UNIT).prefetch(2)
        .dropLast(false).build());
  }

  private static Batches wrap(BatchStream stream) {
    return new Batches() {
      @Override
      public int count() {
        return stream.numBatches();
      }

      @Override
      public boolean hasNext() {
        return stream.hasNext();
      }

      @Override
      public Batch next() {
        return stream.next();
      }

      @Override
      public void close() {
        stream.close();
      }
    };
  }
}
