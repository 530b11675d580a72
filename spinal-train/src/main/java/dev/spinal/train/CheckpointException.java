package dev.spinal.train;

import java.nio.file.Path;
import java.util.Optional;

/**
 * A checkpoint cannot be restored: a file of it is missing, truncated or corrupt ({@code state.json},
 * {@code variables.index}, {@code variables.data-*}), or a run has no usable checkpoint at all. The message names
 * the file (or the checkpoints folder) and says what is wrong. {@link Checkpoints#restore} throws it for one
 * checkpoint; resuming a run passes over a damaged checkpoint to the previous one and throws it only when none is
 * usable.
 */
public class CheckpointException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final transient Path file;

  public CheckpointException(Path file, String problem) {
    this(file, problem, null);
  }

  public CheckpointException(Path file, String problem, Throwable cause) {
    super(file + ": " + problem, cause);
    this.file = file;
  }

  /** The damaged file, or the folder the problem is about. */
  public Optional<Path> file() {
    return Optional.ofNullable(file);
  }
}
