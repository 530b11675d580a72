package dev.spinal.savedmodel;

import java.util.regex.Pattern;

/**
 * Which of a SavedModel backbone's weights a training run updates.
 *
 * <p>Batch norm inside the backbone always normalizes with the backbone's own moving statistics
 * (the exported forward pass is Keras' inference mode); they are never updated. What can be trained
 * are its scale and offset ({@code gamma}, {@code beta}). They are left frozen by default: fine-tuning
 * on a small dataset with the running statistics of another one is steadier that way.
 */
public enum FineTune {
  /** Nothing: the backbone computes features (cached once per image by the trainer). */
  FROZEN,
  /** The convolution and dense weights; batch-norm scale and offset stay frozen. */
  WEIGHTS,
  /** The weights and the batch-norm scale and offset. */
  WEIGHTS_AND_BATCH_NORM;

  /** Keras' names for a normalization layer's scale and offset, the last part of a variable's path. */
  private static final Pattern NORMALIZATION_PARAMETER = Pattern.compile("(^|[/.])(gamma|beta)(:0)?$");

  /** The flag-style choice: {@code trainable} false is {@link #FROZEN}. */
  public static FineTune of(boolean trainable, boolean batchNorm) {
    return !trainable ? FROZEN : batchNorm ? WEIGHTS_AND_BATCH_NORM : WEIGHTS;
  }

  public boolean trainsAnything() {
    return this != FROZEN;
  }

  /**
   * Whether this choice trains the variable named {@code name} (a {@code VarHandleOp}'s shared name
   * or a {@code VariableV2}'s node name), which Keras marked {@code kerasTrainable}.
   */
  boolean trains(String name, boolean kerasTrainable) {
    return switch (this) {
      case FROZEN -> false;
      case WEIGHTS -> kerasTrainable && !isNormalizationParameter(name);
      case WEIGHTS_AND_BATCH_NORM -> kerasTrainable;
    };
  }

  static boolean isNormalizationParameter(String name) {
    return NORMALIZATION_PARAMETER.matcher(name).find();
  }
}
