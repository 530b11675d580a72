package dev.spinal.core.model;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import dev.spinal.core.backbones.Backbone;
import dev.spinal.core.heads.Head;
import java.util.Arrays;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * What a classifier is, before any graph exists: images {@code [batch, H, W, C]} (pixels / 255) are
 * normalized per channel ({@code (x - mean) / std}), read by a {@link Backbone} into features
 * {@code [batch, D]}, and a {@link Head} turns those into logits {@code [batch, classes]}. Any
 * backbone and any head fit, the user's own included, as long as the head reads the backbone's
 * {@code D} features.
 *
 * <pre>{@code
 * Model model = Model.builder()
 *     .backbone(new Vgg5Backbone(28, 28, 1))
 *     .head(new ProgressiveSpinalHead(spec))
 *     .normalization(new float[] {0.2860f}, new float[] {0.3530f})
 *     .build();
 * }</pre>
 *
 * <p>{@link ModelGraph#build} turns it into a graph and a session in a chosen mode.
 */
public final class Model {

  private final Backbone backbone;
  private final Head head;
  private final float[] mean;
  private final float[] std;

  private Model(Backbone backbone, Head head, float[] mean, float[] std) {
    this.backbone = backbone;
    this.head = head;
    this.mean = mean;
    this.std = std;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** {@code [H, W, C]} of the images the model reads. */
  public Shape imageShape() {
    return backbone.imageShape();
  }

  public Backbone backbone() {
    return backbone;
  }

  public Head head() {
    return head;
  }

  public int classes() {
    return head.classes();
  }

  /** Per-channel mean of the [0, 1]-scaled pixels, subtracted in the graph (length C or 1). */
  public float[] mean() {
    return mean.clone();
  }

  /** Per-channel standard deviation of the [0, 1]-scaled pixels, divided by in the graph. */
  public float[] std() {
    return std.clone();
  }

  /**
   * What the backbone reads: {@code images} ({@code [batch, H, W, C]}, pixels / 255) normalized as
   * {@code (x - mean) / std}, or unchanged when the backbone {@link Backbone#preprocessesItself()
   * preprocesses itself}.
   */
  public Operand<TFloat32> preprocess(Ops tf, Operand<TFloat32> images) {
    if (backbone.preprocessesItself()) {
      return images;
    }
    float[] inverse = new float[std.length];
    for (int i = 0; i < std.length; i++) {
      inverse[i] = 1f / std[i];
    }
    Operand<TFloat32> centered = tf.math.sub(images, tf.constant(mean));
    return tf.withName("normalized").math.mul(centered, tf.constant(inverse));
  }

  /** A copy with another head (same backbone and normalization), e.g. to compare heads. */
  public Model withHead(Head other) {
    return builder().backbone(backbone).head(other).normalization(mean, std).build();
  }

  /** A copy with another backbone (same head and normalization). */
  public Model withBackbone(Backbone other) {
    return builder().backbone(other).head(head).normalization(mean, std).build();
  }

  @Override
  public String toString() {
    return backbone.name() + " + " + head.name() + " (" + head.classes() + " classes, mean "
        + Arrays.toString(mean) + ", std " + Arrays.toString(std) + ")";
  }

  /** Builds a {@link Model}; backbone and head are required, normalization defaults to none. */
  public static final class Builder {
    private Backbone backbone;
    private Head head;
    private float[] mean = {0f};
    private float[] std = {1f};

    private Builder() {}

    public Builder backbone(Backbone value) {
      this.backbone = value;
      return this;
    }

    public Builder head(Head value) {
      this.head = value;
      return this;
    }

    /**
     * Per-channel mean and standard deviation of the [0, 1]-scaled pixels (one value, or one per
     * channel). Ignored by a backbone that {@link Backbone#preprocessesItself() preprocesses itself}.
     */
    public Builder normalization(float[] meanValue, float[] stdValue) {
      this.mean = checkNotNull(meanValue, "Model.normalization mean").clone();
      this.std = checkNotNull(stdValue, "Model.normalization std").clone();
      return this;
    }

    /**
     * @throws IllegalArgumentException naming the field: a missing backbone or head, a head whose
     *     input size is not the backbone's feature size, a bad normalization
     */
    public Model build() {
      checkArgument(backbone != null, "Model.backbone is required");
      checkArgument(head != null, "Model.head is required");
      checkArgument(head.inputSize() == backbone.featureSize(),
          "Model.head reads %s features but the %s backbone gives %s: size the head from"
              + " backbone.featureSize()", head.inputSize(), backbone.name(), backbone.featureSize());
      checkArgument(head.classes() >= 2, "Model.head must have >= 2 classes, got %s", head.classes());
      long channels = backbone.imageShape().get(2);
      checkArgument(mean.length == std.length && (mean.length == 1 || mean.length == channels),
          "Model.normalization needs 1 or %s values for mean and for std, got %s and %s", channels,
          mean.length, std.length);
      for (int i = 0; i < std.length; i++) {
        checkArgument(std[i] > 0, "Model.normalization std[%s] must be > 0, got %s", (Integer) i, (Float) std[i]);
      }
      return new Model(backbone, head, mean, std);
    }
  }
}
