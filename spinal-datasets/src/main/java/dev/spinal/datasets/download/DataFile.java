package dev.spinal.datasets.download;

/**
 * A file (or, for image-folder datasets, a folder) that must be present for a dataset to load.
 *
 * @param name logical name, e.g. {@code train-images-idx3-ubyte}; found as {@code name} or {@code name.gz}
 * @param directory true for folders (image-folder datasets)
 * @param published checksum of the file as its publisher ships it (e.g. MD5 of the {@code .gz}), or null
 * @param payload checksum of the decompressed content, or null; preferred when known, because it survives
 *     recompression (Debian recompresses Fashion-MNIST's .gz files)
 * @param payloadSize decompressed size in bytes, or -1
 */
public record DataFile(String name, boolean directory, Checksum published, Checksum payload, long payloadSize) {
  public static DataFile file(String name, Checksum published, Checksum payload, long payloadSize) {
    return new DataFile(name, false, published, payload, payloadSize);
  }

  public static DataFile folder(String name) {
    return new DataFile(name, true, null, null, -1);
  }
}
