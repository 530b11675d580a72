package dev.spinal.train.batches;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.util.List;
import org.tensorflow.ndarray.Shape;

/**
 * A frozen backbone's features of a dataset's splits, held in memory: what
 * {@link dev.spinal.train.Trainer#fit(dev.spinal.core.model.Model, FeatureSplits)} trains a head on.
 * The trainer makes one itself from images when the backbone is frozen; a caller hands it one computed
 * elsewhere (another process, a Spark cluster: {@code spinal-spark}'s {@code ParquetFeatures}), so that
 * features computed once train many heads on one machine.
 *
 * @param name what the features are of (a dataset's name), for logs
 * @param imageShape {@code [H, W, C]} of the images the features were computed from: the input of the
 *     backbone + head export
 * @param classNames class names in label order
 * @param train training split, row-major {@code [n, D]}
 * @param validation validation split (selects the best epoch)
 * @param test test split, or null for none
 * @param source where the features came from (a folder, and the backbone that computed them), for
 *     messages and the export's metadata
 */
public record FeatureSplits(String name, Shape imageShape, List<String> classNames, FeatureCache train,
    FeatureCache validation, FeatureCache test, String source) {

  public FeatureSplits {
    checkNotNull(name, "FeatureSplits.name");
    checkNotNull(train, "FeatureSplits.train");
    checkNotNull(validation, "FeatureSplits.validation");
    checkArgument(imageShape != null && imageShape.numDimensions() == 3 && imageShape.size() > 0,
        "FeatureSplits.imageShape must be [H, W, C] with H, W, C >= 1, got %s", imageShape);
    classNames = List.copyOf(classNames);
    checkArgument(classNames.size() >= 2, "FeatureSplits.classNames must name >= 2 classes, got %s", classNames);
    checkSplit("train", train, train.dimension(), classNames.size());
    checkSplit("validation", validation, train.dimension(), classNames.size());
    if (test != null) {
      checkSplit("test", test, train.dimension(), classNames.size());
    }
  }

  private static void checkSplit(String split, FeatureCache cache, int dimension, int classes) {
    checkArgument(cache.dimension() == dimension, "FeatureSplits.%s has %s features per row but train has %s",
        split, cache.dimension(), dimension);
    int[] labels = cache.labels();
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] < 0 || labels[i] >= classes) {
        throw new IllegalArgumentException("FeatureSplits." + split + ": row " + i + " has label " + labels[i]
            + ", outside [0, " + classes + ") of the " + classes + " class names");
      }
    }
  }

  /** Features per row, {@code D}. */
  public int dimension() {
    return train.dimension();
  }

  public int numClasses() {
    return classNames.size();
  }
}
