package dev.spinal.datasets;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * A user's own images, read into the same {@link DatasetSplits} (uint8 NHWC {@link ImageDataset}s with class names)
 * that the registry's datasets load into, so the trainer, the export and {@code spinal predict} treat them alike.
 *
 * <ul>
 *   <li>{@link ImageFolderSource}: one sub-folder per class (as Keras' {@code image_dataset_from_directory} and
 *       torchvision's {@code ImageFolder}), either {@code train/}, {@code val|valid|validation/}, {@code test/}
 *       trees of them or one tree that is split (seeded, stratified);</li>
 *   <li>{@link IdxSource}: IDX image/label pairs (MNIST's format, optionally gzipped), by path or found in a
 *       folder by their names ({@code train-images-idx3-ubyte}, {@code t10k-labels-idx1-ubyte.gz}, ...);</li>
 *   <li>{@link NumpySource}: NumPy arrays in an {@code .npz} (as {@code keras.datasets} writes them:
 *       {@code x_train, y_train, x_test, y_test}) or {@code .npy} files;</li>
 *   <li>{@link CsvSource}: a CSV of {@code path,label} rows.</li>
 * </ul>
 *
 * <p>{@link DataOptions} says how: {@link DataOptions#imageHeight() image size} and {@link DataOptions#channels()
 * channels} (image files are decoded, converted and resized to them; arrays are resized/converted only when asked),
 * the validation fraction and {@link DataOptions#seed() seed} and the {@link DataOptions#testFraction() test
 * fraction} for splits the source does not bring, {@link DataOptions#skipBadFiles()} and {@link DataOptions#limit()}.
 * A user's files have no registry checksum and are not checked against one; to load a registry dataset from your
 * own copy of its files use {@link Datasets#load(String, DataOptions)} with {@link DataOptions.Builder#path}.
 *
 * <pre>{@code
 * DatasetSplits data = DataSource.detect(Path.of("flowers")).load(DataOptions.builder().imageSize(64, 64).build());
 * data.train().classNames();   // [daisy, rose, tulip]: the sorted folder names
 * }</pre>
 *
 * Errors are {@link DatasetException}s naming the file (or CSV row) and what was expected.
 */
public sealed interface DataSource permits ImageFolderSource, IdxSource, NumpySource, CsvSource {

  /** The file or folder the data is read from. */
  Path path();

  /** What kind of source this is and how it is laid out, e.g. {@code image folder (train/ val/ test/)}. */
  String describe();

  /** Reads, checks and splits the data. */
  DatasetSplits load(DataOptions options);

  /**
   * The source a path holds: a {@code .npz} or {@code .npy} file (NumPy; a {@code .npy} file stands for the
   * {@code .npy} arrays of its folder), a {@code .csv} file, an IDX file (the IDX files of its folder), or a folder:
   * of IDX files, of {@code .npy} arrays, or of class sub-folders (or {@code train/ val/ test/} trees of them), in
   * that order.
   *
   * @throws DatasetException naming the path if it holds none of these
   */
  static DataSource detect(Path path) {
    if (!Files.exists(path)) {
      throw new DatasetException(path, "does not exist (expected a folder of class sub-folders or of IDX files,"
          + " a .npz/.npy file or a .csv file)");
    }
    if (Files.isRegularFile(path)) {
      String name = UserData.lower(path.getFileName().toString());
      if (name.endsWith(".npz") || name.endsWith(".npy")) {
        return NumpySource.of(path);
      }
      if (name.endsWith(".csv")) {
        return CsvSource.of(path);
      }
      if (IdxSource.isIdxName(name)) {
        return IdxSource.inFolder(path.toAbsolutePath().getParent());
      }
      throw new DatasetException(path, "is not a data file Spinal reads: expected a .npz, .npy or .csv file, an IDX"
          + " file (*-idx3-ubyte[.gz]) or a folder");
    }
    List<Path> files;
    boolean hasFolders;
    try (Stream<Path> s = Files.list(path)) {
      List<Path> all = s.filter(p -> !p.getFileName().toString().startsWith(".")).toList();
      files = all.stream().filter(Files::isRegularFile).toList();
      hasFolders = all.stream().anyMatch(Files::isDirectory);
    } catch (IOException e) {
      throw new DatasetException(path, "cannot list: " + e, e);
    }
    if (files.stream().anyMatch(f -> IdxSource.isIdxName(UserData.lower(f.getFileName().toString())))) {
      return IdxSource.inFolder(path);
    }
    if (files.stream().anyMatch(f -> UserData.lower(f.getFileName().toString()).endsWith(".npy"))) {
      return NumpySource.of(path);
    }
    if (hasFolders) {
      return ImageFolderSource.of(path);
    }
    throw new DatasetException(path, "holds no class sub-folders, IDX files or .npy arrays (a .npz or .csv file is"
        + " given by its own path)");
  }
}
