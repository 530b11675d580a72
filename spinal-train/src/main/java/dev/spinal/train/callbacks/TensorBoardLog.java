package dev.spinal.train.callbacks;

import dev.spinal.train.EpochMetrics;
import dev.spinal.train.FitContext;
import dev.spinal.train.GradientSnapshot;
import dev.spinal.train.TensorBoardWriter;
import java.nio.file.Path;

/**
 * TensorBoard scalars per epoch (train/validation loss and accuracy, test accuracy, learning rate,
 * images/s) at the epoch's global step, in an event file under {@code logDir}; and, when the trainer
 * measures gradients ({@link dev.spinal.train.Trainer.Builder#gradientLogging}), at each measured step:
 *
 * <ul>
 *   <li>{@code gradient_norm/NN_LAYER}: {@code ||dL/dW||} of each layer's kernel, {@code NN} its position
 *       from the input (01 = the backbone's first layer), so TensorBoard's alphabetical order is the
 *       network's order;
 *   <li>{@code gradient_flow/head_first_over_last_hidden}: the head's first hidden layer's norm over its last
 *       hidden layer's (the gradient-highway ratio, during training);
 *   <li>on histogram steps, {@code gradients/NN_LAYER} and {@code weights/NN_LAYER} histograms (the weights as
 *       the step found them).
 * </ul>
 *
 * The step of a gradient is the number of steps trained before it (0: at initialization).
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
  public void onGradients(FitContext fit, GradientSnapshot g) {
    write(writer, g);
  }

  /** Writes a snapshot's norms, the head's ratio and (on histogram steps) its histograms as described above. */
  public static void write(TensorBoardWriter writer, GradientSnapshot g) {
    double[] norms = g.norms();
    int digits = Math.max(2, String.valueOf(norms.length).length());
    for (int i = 0; i < norms.length; i++) {
      String name = tagName(i, digits, g);
      writer.scalar("gradient_norm/" + name, norms[i], g.step());
      if (g.hasTensors()) {
        if (g.gradientFinite(i)) {
          writer.histogram("gradients/" + name, g.gradient(i), g.step());
        }
        if (g.weightFinite(i)) {
          writer.histogram("weights/" + name, g.weight(i), g.step());
        }
      }
    }
    double ratio = g.headFirstOverLastHidden();
    if (!Double.isNaN(ratio)) {
      writer.scalar("gradient_flow/head_first_over_last_hidden", ratio, g.step());
    }
  }

  /** {@code 03_vgg5/block2_conv1}: the layer's position from the input, then its name. */
  static String tagName(int i, int digits, GradientSnapshot g) {
    return String.format("%0" + digits + "d_%s", i + 1, g.layer(i));
  }

  @Override
  public void onEpochEnd(FitContext fit, EpochMetrics m, boolean improved) {
    writer.scalar("train/loss", m.trainLoss(), m.step());
    writer.scalar("train/accuracy", m.trainAccuracy(), m.step());
    // an epoch that was not evaluated, or a split that is absent, has no point (rather than a NaN one)
    scalarIfMeasured("validation/loss", m.validationLoss(), m.step());
    scalarIfMeasured("validation/accuracy", m.validationAccuracy(), m.step());
    scalarIfMeasured("test/accuracy", m.testAccuracy(), m.step());
    writer.scalar("learning_rate", m.learningRate(), m.step());
    writer.scalar("images_per_second", m.imagesPerSecond(), m.step());
    writer.flush();
  }

  private void scalarIfMeasured(String tag, double value, long step) {
    if (!Double.isNaN(value)) {
      writer.scalar(tag, value, step);
    }
  }

  @Override
  public void close() {
    if (writer != null) {
      writer.close();
      writer = null;
    }
  }
}
