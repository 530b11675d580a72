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
