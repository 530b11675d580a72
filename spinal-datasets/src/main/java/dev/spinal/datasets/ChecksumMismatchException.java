package dev.spinal.datasets;

import java.nio.file.Path;

/** A file's (or its decompressed payload's) digest differs from the one its publisher lists. */
public class ChecksumMismatchException extends DatasetException {
  private static final long serialVersionUID = 1L;
  private final String algorithm;
  private final String expected;
  private final String actual;

  public ChecksumMismatchException(Path file, String what, String algorithm, String expected, String actual) {
    this(file, what, algorithm, expected, actual, "corrupt, truncated, or a different version of the file");
  }

  /** {@code consequence} says what was done about it, e.g. "the downloaded file was deleted". */
  public ChecksumMismatchException(Path file, String what, String algorithm, String expected, String actual,
      String consequence) {
    super(file, what + " " + algorithm + " is " + actual + " but the registry expects " + expected
        + " (" + consequence + ")");
    this.algorithm = algorithm;
    this.expected = expected;
    this.actual = actual;
  }

  public String algorithm() {
    return algorithm;
  }

  public String expected() {
    return expected;
  }

  public String actual() {
    return actual;
  }
}
