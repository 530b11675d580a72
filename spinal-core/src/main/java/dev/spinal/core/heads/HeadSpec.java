package dev.spinal.core.heads;

import dev.spinal.core.layers.Activation;
import dev.spinal.core.layers.WeightInit;
import java.util.Objects;

/**
 * The immutable description of a classifier head: it reads {@code [batch, inputSize]} features and
 * writes {@code [batch, classes]} logits through {@code depth} hidden layers of {@code width} units.
 *
 * <p>Required: {@link Builder#inputSize}, {@link Builder#width}, {@link Builder#depth},
 * {@link Builder#classes}. Optional, with the paper's defaults: dropout 0.2, no batch norm, ReLU,
 * PyTorch's {@code nn.Linear} init. {@link Builder#build()} validates every field and names the
 * offending one in its {@link IllegalArgumentException}.
 */
public final class HeadSpec {

  private final long inputSize;
  private final long width;
  private final int depth;
  private final int classes;
  private final double dropout;
  private final boolean batchNorm;
  private final Activation activation;
  private final WeightInit init;

  private HeadSpec(Builder b) {
    this.inputSize = b.inputSize;
    this.width = b.width;
    this.depth = b.depth;
    this.classes = b.classes;
    this.dropout = b.dropout;
    this.batchNorm = b.batchNorm;
    this.activation = b.activation;
    this.init = b.init;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this spec's values, to derive a variant. */
  public Builder toBuilder() {
    return new Builder()
        .inputSize(inputSize)
        .width(width)
        .depth(depth)
        .classes(classes)
        .dropout(dropout)
        .batchNorm(batchNorm)
        .activation(activation)
        .init(init);
  }

  /** Feature size {@code d} the head reads. */
  public long inputSize() {
    return inputSize;
  }

  /** Units per hidden layer {@code w}. */
  public long width() {
    return width;
  }

  /** Number of hidden layers {@code n}. */
  public int depth() {
    return depth;
  }

  public int classes() {
    return classes;
  }

  /** Dropout rate on the features (and, per head kind, on later layer inputs); 0 disables. */
  public double dropout() {
    return dropout;
  }

  /** Whether each hidden layer is {@code Linear -> BatchNorm -> act} rather than {@code Linear -> act}. */
  public boolean batchNorm() {
    return batchNorm;
  }

  public Activation activation() {
    return activation;
  }

  public WeightInit init() {
    return init;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof HeadSpec s
        && inputSize == s.inputSize
        && width == s.width
        && depth == s.depth
        && classes == s.classes
        && dropout == s.dropout
        && batchNorm == s.batchNorm
        && activation == s.activation
        && init == s.init;
  }

  @Override
  public int hashCode() {
    return Objects.hash(inputSize, width, depth, classes, dropout, batchNorm, activation, init);
  }

  @Override
  public String toString() {
    return String.format(
        "HeadSpec{inputSize=%d, width=%d, depth=%d, classes=%d, dropout=%s, batchNorm=%s,"
            + " activation=%s, init=%s}",
        inputSize, width, depth, classes, dropout, batchNorm, activation, init);
  }

  /** Builder; see {@link HeadSpec} for required fields and defaults. */
  public static final class Builder {
    private long inputSize = -1;
    private long width = -1;
    private int depth = -1;
    private int classes = -1;
    private double dropout = 0.2;
    private boolean batchNorm = false;
    private Activation activation = Activation.RELU;
    private WeightInit init = WeightInit.TORCH_DEFAULT;

    private Builder() {}

    public Builder inputSize(long inputSize) {
      this.inputSize = inputSize;
      return this;
    }

    public Builder width(long width) {
      this.width = width;
      return this;
    }

    public Builder depth(int depth) {
      this.depth = depth;
      return this;
    }

    public Builder classes(int classes) {
      this.classes = classes;
      return this;
    }

    public Builder dropout(double dropout) {
      this.dropout = dropout;
      return this;
    }

    public Builder batchNorm(boolean batchNorm) {
      this.batchNorm = batchNorm;
      return this;
    }

    public Builder activation(Activation activation) {
      this.activation = Objects.requireNonNull(activation, "activation");
      return this;
    }

    public Builder init(WeightInit init) {
      this.init = Objects.requireNonNull(init, "init");
      return this;
    }

    /** Validates and builds. */
    public HeadSpec build() {
      require(inputSize > 0, "inputSize", "> 0", inputSize);
      require(width > 0, "width", "> 0", width);
      require(depth >= 1, "depth", ">= 1", depth);
      require(classes >= 2, "classes", ">= 2", classes);
      require(dropout >= 0 && dropout < 1, "dropout", "in [0, 1)", dropout);
      return new HeadSpec(this);
    }

    private static void require(boolean ok, String field, String expected, Object actual) {
      if (!ok) {
        throw new IllegalArgumentException(
            String.format("HeadSpec.%s must be %s, got %s", field, expected, actual));
      }
    }
  }
}
