package dev.spinal.core.heads;

/**
 * A built-in head: one of the {@link HeadKind}s, made from a {@link HeadSpec}, which gives its input
 * size, width, depth, classes, dropout, batch norm, activation and initializer.
 */
public abstract class SpecifiedHead implements Head {

  /** The spec this head was built from. */
  protected final HeadSpec spec;

  protected SpecifiedHead(HeadSpec spec) {
    this.spec = spec;
  }

  /** The spec this head was built from. */
  public final HeadSpec spec() {
    return spec;
  }

  /** Which of the built-in kinds this head is. */
  public abstract HeadKind kind();

  @Override
  public final long inputSize() {
    return spec.inputSize();
  }

  @Override
  public final int classes() {
    return spec.classes();
  }

  /** The kind's CLI name: {@code progressive}, {@code spinal} or {@code dense}. */
  @Override
  public String name() {
    return kind().cliName();
  }
}
