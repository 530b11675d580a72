package dev.spinal.train;

import java.util.Locale;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.GraphOptions;
import org.tensorflow.proto.RewriterConfig;

/**
 * Arithmetic of the training steps. {@link #BF16} turns on TensorFlow's oneDNN bfloat16 auto mixed
 * precision (Grappler casts convolutions and matrix products to bfloat16, keeps weights, batch-norm
 * statistics, the loss and the optimizer in float32) for the training graph only: evaluation and
 * exported models stay float32. Faster only where bfloat16 runs at full width: measured 2.97x on an Intel Xeon with
 * AMX, 1.5-1.6x on an AMD Zen 5 and 1.55x on an AMD Zen 4 with AVX512_BF16, but 0.72x on an Intel Xeon with
 * AVX512_BF16 and no AMX (VGG-5 training steps, batch 64); accuracy and speed in BENCHMARKS.md.
 */
public enum Precision {
  FP32,
  BF16;

  /** {@code fp32} or {@code bf16}, any case. */
  public static Precision parse(String name) {
    try {
      return valueOf(name.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown precision '" + name + "'; expected fp32 or bf16");
    }
  }

  /** {@code base} (null: TensorFlow's defaults) with this precision's graph rewrite. */
  public ConfigProto apply(ConfigProto base) {
    if (this == FP32) {
      return base;
    }
    ConfigProto.Builder b = base == null ? ConfigProto.newBuilder() : base.toBuilder();
    GraphOptions.Builder graph = b.getGraphOptions().toBuilder();
    graph.setRewriteOptions(graph.getRewriteOptions().toBuilder()
        .setAutoMixedPrecisionOnednnBfloat16(RewriterConfig.Toggle.ON));
    return b.setGraphOptions(graph).build();
  }

  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}
