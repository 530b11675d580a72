package dev.spinal.datasets;

import java.nio.file.Path;
import java.util.Optional;

/**
 * A dataset file or folder could not be used: it is missing, truncated, corrupt, of the wrong shape, or does not
 * match its published checksum. The message always names the file (or URL) and says what is wrong.
 *
 * <p>Unchecked on purpose: a training run cannot recover from bad input data, and callers that can (the CLI)
 * catch this one type.
 */
public class DatasetException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final transient Path file;

  public DatasetException(Path file, String problem) {
    this(file, problem, null);
  }

  public DatasetException(Path file, String problem, Throwable cause) {
    super(file == null ? problem : file + ": " + problem, cause);
    this.file = file;
  }

  /** A problem not tied to one file (e.g. an unknown dataset name). */
  public DatasetException(String message) {
    super(message);
    this.file = null;
  }

  public DatasetException(String message, Throwable cause) {
    super(message, cause);
    this.file = null;
  }

  /** The file or folder the problem is about, when there is one. */
  public Optional<Path> file() {
    return Optional.ofNullable(file);
  }
}
