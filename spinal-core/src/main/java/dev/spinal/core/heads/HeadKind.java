package dev.spinal.core.heads;

import java.util.Locale;

/** The head kinds Spinal builds; {@link #create} makes one from a spec. */
public enum HeadKind {
  /** {@link ProgressiveSpinalHead}: every layer reads the features and all earlier outputs. */
  PROGRESSIVE,
  /** {@link SpinalHead}: SpinalNet's alternating half-input layers. */
  SPINAL,
  /** {@link DenseHead}: a plain MLP of the same width and depth. */
  DENSE;

  public SpecifiedHead create(HeadSpec spec) {
    return switch (this) {
      case PROGRESSIVE -> new ProgressiveSpinalHead(spec);
      case SPINAL -> new SpinalHead(spec);
      case DENSE -> new DenseHead(spec);
    };
  }

  /**
   * The width at which a head of this kind, with {@code spec}'s other settings, has the trainable parameter count
   * closest to {@code parameters} (the smaller width on a tie): for comparing heads at equal size rather than at equal
   * width. The count grows with the width, so the search is a bisection over the analytic count.
   *
   * @throws IllegalArgumentException when {@code parameters} is below the count at width 1
   */
  public long widthForParameters(HeadSpec spec, long parameters) {
    long low = 1;
    long high = 1;
    if (countAt(spec, 1) > parameters) {
      throw new IllegalArgumentException(cliName() + " head: " + parameters + " parameters is fewer than it has at"
          + " width 1 (" + countAt(spec, 1) + ")");
    }
    while (countAt(spec, high) < parameters) {
      low = high;
      high *= 2;
    }
    while (high - low > 1) { // countAt(low) < parameters <= countAt(high), or low == high == 1
      long mid = (low + high) >>> 1;
      if (countAt(spec, mid) < parameters) {
        low = mid;
      } else {
        high = mid;
      }
    }
    return parameters - countAt(spec, low) <= countAt(spec, high) - parameters ? low : high;
  }

  private long countAt(HeadSpec spec, long width) {
    return create(spec.toBuilder().width(width).build()).parameterCount();
  }

  /** The CLI name: {@code progressive}, {@code spinal} or {@code dense}. */
  public String cliName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses a CLI name, case-insensitively, with an error listing the choices. */
  public static HeadKind parse(String name) {
    for (HeadKind kind : values()) {
      if (kind.cliName().equalsIgnoreCase(name)) {
        return kind;
      }
    }
    throw new IllegalArgumentException(
        "unknown head '" + name + "'; expected one of progressive, spinal, dense");
  }
}
