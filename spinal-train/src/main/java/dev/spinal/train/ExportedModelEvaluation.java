package dev.spinal.train;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import dev.spinal.datasets.Batch;
import dev.spinal.datasets.BatchStream;
import dev.spinal.datasets.ImageDataset;
import dev.spinal.datasets.Normalization;
import dev.spinal.savedmodel.ExportedModel;

/**
 * Accuracy and mean cross-entropy of an exported model on a dataset split, optionally with test-time augmentation
 * (what {@code spinal eval} prints). The images go in as the export takes them: {@code [n, H, W, C]}, pixels / 255.
 *
 * <pre>{@code
 * try (ExportedModel model = ExportedModel.load(Path.of("runs/export"))) {
 *   Trainer.Evaluation e = ExportedModelEvaluation.evaluate(model, data.test(), TestTimeAugmentation.FLIP, 500);
 * }
 * }</pre>
 */
public final class ExportedModelEvaluation {
  private ExportedModelEvaluation() {}

  /**
   * Evaluates {@code model} on every image of {@code data}, in order, {@code batchSize} images per call.
   *
   * @throws IllegalArgumentException when the images or classes do not fit the model
   */
  public static Trainer.Evaluation evaluate(ExportedModel model, ImageDataset data, TestTimeAugmentation tta,
      int batchSize) {
    checkNotNull(model, "model");
    checkNotNull(data, "data");
    checkNotNull(tta, "tta");
    checkArgument(batchSize >= 1, "batchSize must be >= 1, got %s", batchSize);
    checkArgument(model.classNames().isEmpty() || model.classNames().size() == data.numClasses(),
        "%s classifies %s classes but %s has %s", model.dir(), model.classNames().size(), data.name(),
        data.numClasses());
    if (data.size() == 0) {
      return new Trainer.Evaluation(Double.NaN, Double.NaN, 0);
    }
    long correct = 0;
    double lossSum = 0;
    try (BatchStream stream = BatchStream.builder(data).batchSize(batchSize).normalize(Normalization.UNIT)
        .prefetch(2).dropLast(false).build()) {
      while (stream.hasNext()) {
        try (Batch b = stream.next()) {
          TestTimeAugmentation.Score s = tta.score(b.images(), b.labels(), model::probabilities);
          correct += s.correct();
          lossSum += s.lossSum();
        }
      }
    }
    return new Trainer.Evaluation(lossSum / data.size(), (double) correct / data.size(), data.size());
  }
}
