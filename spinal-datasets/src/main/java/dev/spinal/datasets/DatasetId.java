package dev.spinal.datasets;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The datasets of the paper's table, by the names the CLI and {@link Datasets#load} accept.
 *
 * <p>Shapes of what {@link Datasets#load} returns (images are uint8, NHWC):
 * <ul>
 *   <li>{@code fashion-mnist, mnist, emnist-digits, emnist-letters, qmnist, kmnist}: 28 x 28 x 1;</li>
 *   <li>{@code stl10}: 96 x 96 x 3;</li>
 *   <li>{@code caltech101, bird225, fruits360}: {@link DataOptions#imageHeight()} x
 *       {@link DataOptions#imageWidth()} x 3 (decoded, converted to RGB and resized when loaded).</li>
 * </ul>
 */
public enum DatasetId {
  FASHION_MNIST("fashion-mnist", Kind.IDX, 10),
  MNIST("mnist", Kind.IDX, 10),
  EMNIST_DIGITS("emnist-digits", Kind.IDX, 10),
  EMNIST_LETTERS("emnist-letters", Kind.IDX, 26),
  QMNIST("qmnist", Kind.IDX, 10),
  KMNIST("kmnist", Kind.IDX, 10),
  STL10("stl10", Kind.STL10, 10),
  CALTECH101("caltech101", Kind.IMAGE_FOLDER, 101),
  BIRD225("bird225", Kind.IMAGE_FOLDER, 225),
  FRUITS360("fruits360", Kind.IMAGE_FOLDER, -1);

  /** How a dataset is stored by its publisher. */
  public enum Kind {
    /** IDX files (LeCun's MNIST format), gzip-compressed or raw. */
    IDX,
    /** STL-10's binary files: uint8, 3x96x96 per image, column-major. */
    STL10,
    /** One sub-folder per class holding JPEG/PNG files. */
    IMAGE_FOLDER
  }

  private final String key;
  private final Kind kind;
  private final int numClasses;

  DatasetId(String key, Kind kind, int numClasses) {
    this.key = key;
    this.kind = kind;
    this.numClasses = numClasses;
  }

  /** The name used on the command line and in {@link Datasets#load}, e.g. {@code fashion-mnist}. */
  public String key() {
    return key;
  }

  public Kind kind() {
    return kind;
  }

  /** The published number of classes, or -1 where it depends on the release (Fruits-360). */
  public int publishedClassCount() {
    return numClasses;
  }

  /** True for the 28x28 grayscale sets that the paper's scripts normalize with MNIST's mean and std. */
  public boolean isMnistLike() {
    return kind == Kind.IDX;
  }

  /** The normalization the paper's scripts use for this dataset (see {@link Normalization}). */
  public Normalization paperNormalization() {
    return isMnistLike() ? Normalization.MNIST : Normalization.PAPER_TRANSFER;
  }

  /** Parses a key ({@code "fashion-mnist"}), case-insensitively; also accepts the enum name. */
  public static DatasetId fromKey(String name) {
    String n = name.trim().toLowerCase(Locale.ROOT);
    for (DatasetId id : values()) {
      if (id.key.equals(n) || id.name().toLowerCase(Locale.ROOT).equals(n.replace('-', '_'))) {
        return id;
      }
    }
    throw new DatasetException("unknown dataset '" + name + "'; known: "
        + Arrays.stream(values()).map(DatasetId::key).collect(Collectors.joining(", ")));
  }

  @Override
  public String toString() {
    return key;
  }
}
