package dev.spinal.train.callbacks;

import dev.spinal.train.EpochMetrics;
import dev.spinal.train.FitContext;
import dev.spinal.train.TensorBoardWriter;
import java.nio.file.Path;

/**
 * TensorBoard scalars per epoch (train/validation loss and accuracy, test accuracy, learning rate,
 * images/s) at the epoch's global step, in an event file under {@code logDir}.
 */
public final class TensorBoardLog implements Callback {

  private final Path logDir;
  private TensorBoardWriter writer;

  public TensorBoardLog(Path logDir) {
    this.logDir = logDir;
  }

  @Override
  public void onTrainBegin(FitContext fit) {
    writer = new TensorBoardWriter(logDir);
  }

  @Override
  public void onEpochEnd(FitContext fit, EpochMetrics m, boolean improved) {
    writer.scalar("train/loss", m.trainLoss(), m.step());
    writer.scalar("train/accuracy", m.trainAccuracy(), m.step());
    writer.scalar("validation/loss", m.validationLoss(), m.step());
    writer.scalar("validation/accuracy", m.validationAccuracy(), m.step());
    writer.scalar("test/accuracy", m.testAccuracy(), m.step());
    writer.scalar("learning_rate", m.learningRate(), m.step());
    writer.scalar("images_per_second", m.imagesPerSecond(), m.step());
    writer.flush();
  }

  @Override
  public void close() {
    if (writer != null) {
      writer.close();
      writer = null;
    }
  }
}
