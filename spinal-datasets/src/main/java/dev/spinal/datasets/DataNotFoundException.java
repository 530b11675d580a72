package dev.spinal.datasets;

/**
 * No copy of a dataset was found in any of the places looked at, and downloading was disabled or impossible.
 * The message lists the missing files, every folder that was searched, and how to obtain the data.
 */
public class DataNotFoundException extends DatasetException {
  private static final long serialVersionUID = 1L;

  public DataNotFoundException(String message) {
    super(message);
  }

  public DataNotFoundException(String message, Throwable cause) {
    super(message, cause);
  }
}
