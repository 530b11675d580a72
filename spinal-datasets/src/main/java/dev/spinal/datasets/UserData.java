package dev.spinal.datasets;

import dev.spinal.datasets.DatasetInfo.ChecksumStatus;
import dev.spinal.datasets.DatasetInfo.FileCheck;
import dev.spinal.datasets.io.ImageFolderReader;
import dev.spinal.datasets.io.Pixels;
import dev.spinal.datasets.io.Resize;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every {@link DataSource} shares once its files are decoded: class names of integer labels, the image size
 * and channels asked for, the checks that every class has images in every split, the seeded splits that a source
 * does not bring itself, and the {@link DatasetInfo}.
 */
final class UserData {
  private static final Logger LOG = LoggerFactory.getLogger(UserData.class);
  /** A default image size beyond which the user must say what size to train on (memory: n x h x w x c bytes). */
  static final int MAX_DEFAULT_SIDE = 512;
  /** Seeds the test split apart from the validation split drawn with the same seed. */
  private static final long TEST_SEED = 0x7e57L;

  private UserData() {}

  /** A split as a source delivered it, and how to name it in messages ({@code test/}, {@code x_test}). */
  record Part(ImageDataset data, String where) {}

  /** The name of a source's data for split names and messages: the file or folder name without extension. */
  static String name(Path path) {
    Path file = path.toAbsolutePath().normalize().getFileName();
    String n = file == null ? "data" : file.toString();
    int dot = n.lastIndexOf('.');
    return dot > 0 ? n.substring(0, dot) : n;
  }

  /** The channels image files are decoded to: the options', else RGB (as Keras' {@code color_mode="rgb"}). */
  static int fileChannels(DataOptions o) {
    return o.channels() > 0 ? o.channels() : 3;
  }

  /**
   * The {@code [height, width]} image files are resized to: the options', else the first readable file's own size
   * (refused beyond {@value #MAX_DEFAULT_SIDE} pixels a side: such a default would hold the data set in memory at
   * full photo size).
   */
  static int[] fileImageSize(DataOptions o, List<ImageFolderReader.Entry> entries) {
    if (o.imageHeight() > 0 && o.imageWidth() > 0) {
      return new int[] {o.imageHeight(), o.imageWidth()};
    }
    DatasetException first = null;
    for (ImageFolderReader.Entry e : entries) {
      int[] size;
      try {
        size = ImageFolderReader.size(e.file());
      } catch (DatasetException ex) {
        if (!o.skipBadFiles()) {
          throw ex;
        }
        first = first == null ? ex : first;
        continue;
      }
      if (size[0] > MAX_DEFAULT_SIDE || size[1] > MAX_DEFAULT_SIDE) {
        throw new DatasetException(e.file(), "is " + size[0] + "x" + size[1] + " pixels (the first image decides"
            + " the default size); give the size to train on, e.g. --image-size 224x224 (DataOptions.imageSize in"
            + " Java): every image is resized to it when loaded");
      }
      return size;
    }
    throw first != null ? first : new DatasetException("no image files");
  }

  /**
   * Class names for integer labels {@code 0..K-1}: {@code given} if not null, else the lines of
   * {@code classes.txt} in {@code dir} (if not null) if there is one, else {@code "0".."K-1"} with K = 1 + the largest training
   * label, which must be below {@code trainImages} ({@code error} names the labels' file when it is not).
   */
  static List<String> indexClassNames(List<String> given, Path dir, long maxTrainLabel, int trainImages,
      java.util.function.Function<String, DatasetException> error) {
    if (given != null) {
      return checkUnique(given, null);
    }
    Path file = dir == null ? null : dir.resolve("classes.txt");
    if (file != null && Files.isRegularFile(file)) {
      return readClassNames(file);
    }
    // Checked before the names are made: one corrupt int64 label would otherwise ask for billions of them.
    if (maxTrainLabel >= trainImages) {
      throw error.apply("the largest training label is " + maxTrainLabel + ", which makes " + (maxTrainLabel + 1)
          + " classes for " + trainImages + " training images; every class needs training images (a corrupt"
          + " label, or labels that are not class indices 0..K-1?)");
    }
    return IntStream.rangeClosed(0, (int) Math.max(0, maxTrainLabel)).mapToObj(Integer::toString).toList();
  }

  /** The non-blank lines of a {@code classes.txt}, label {@code k} = line {@code k}. */
  static List<String> readClassNames(Path file) {
    try {
      List<String> names = Files.readAllLines(file, StandardCharsets.UTF_8).stream().map(String::strip)
          .filter(s -> !s.isEmpty()).toList();
      if (names.isEmpty()) {
        throw new DatasetException(file, "holds no class names (one per line, label k = line k)");
      }
      return checkUnique(names, file);
    } catch (IOException e) {
      throw new DatasetException(file, "cannot read: " + e, e);
    }
  }

  private static List<String> checkUnique(List<String> names, Path file) {
    Set<String> seen = new HashSet<>();
    for (String n : names) {
      if (!seen.add(n)) {
        String problem = "class name '" + n + "' appears twice";
        throw file == null ? new DatasetException(problem) : new DatasetException(file, problem);
      }
    }
    return List.copyOf(names);
  }

  /** Why labels must be below {@code classes.size()}, for messages. */
  static String classRange(List<String> classes, boolean named, Path dir) {
    if (named) {
      return Files.isRegularFile(dir.resolve("classes.txt")) ? dir.resolve("classes.txt") + " lists "
          + classes.size() + " classes" : classes.size() + " class names were given";
    }
    return "the training labels go up to " + (classes.size() - 1);
  }

  /**
   * Converts labels to ints, failing on the first outside {@code [0, classes)}; {@code error} names the file or
   * array in the message.
   */
  static int[] checkLabels(long[] labels, int classes, String range, java.util.function.Function<String,
      DatasetException> error) {
    int[] out = new int[labels.length];
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] < 0 || labels[i] >= classes) {
        throw error.apply("label " + labels[i] + " at index " + i + " is outside the class range 0.." + (classes - 1)
            + " (" + range + ")");
      }
      out[i] = (int) labels[i];
    }
    return out;
  }

  /**
   * Resizes and converts an array source's images to the size and channels the options ask for (their own when
   * the options leave them at -1).
   */
  static ImageDataset convert(ImageDataset data, DataOptions o) {
    int h = o.imageHeight() > 0 ? o.imageHeight() : data.height();
    int w = o.imageWidth() > 0 ? o.imageWidth() : data.width();
    int c = o.channels() > 0 ? o.channels() : data.channels();
    if (h == data.height() && w == data.width() && c == data.channels()) {
      return data;
    }
    if (data.channels() != 1 && data.channels() != 3) {
      throw new DatasetException(data.name() + ": cannot convert " + data.channels() + "-channel images to " + c);
    }
    ImageDataset.Builder b = ImageDataset.builder(data.name(), h, w, c, data.classNames(), data.size());
    IntStream.range(0, data.size()).parallel().forEach(i -> {
      byte[] resized = Resize.bilinearAntialiased(data.image(i), data.height(), data.width(), data.channels(), h, w);
      b.set(i, Pixels.convert(resized, h, w, data.channels(), c), 0, data.label(i));
    });
    return b.build();
  }

  /**
   * The three splits of a user's data: {@code validation} and {@code test} as the source brought them, or, where it
   * brought none, carved (seeded) from {@code train}: first the test split ({@link DataOptions#testFraction()},
   * stratified), then the validation split ({@link DataOptions#validationFraction()} or size, stratified or random
   * as the options say); then {@link DataOptions#limit()} applies to each split.
   *
   * @throws DatasetException if a class has no training image, or a split the source brought lacks a class
   */
  static DatasetSplits assemble(String name, Path root, String source, Part train, Part validation, Part test,
      List<Path> skipped, DataOptions o) {
    ImageDataset pool = train.data();
    List<String> classes = pool.classNames();
    long[] trainCounts = pool.countsPerClass();
    String skippedNote = skipped.isEmpty() ? "" : " (" + skipped.size() + " files skipped as not decodable)";
    for (int k = 0; k < classes.size(); k++) {
      if (trainCounts[k] == 0) {
        throw new DatasetException(train.where() + ": no training image of class '" + classes.get(k) + "' (label "
            + k + ")" + skippedNote + "; every class needs training images");
      }
    }
    for (Part p : new Part[] {validation, test}) {
      if (p == null) {
        continue;
      }
      long[] counts = p.data().countsPerClass();
      for (int k = 0; k < classes.size(); k++) {
        if (counts[k] == 0) {
          throw new DatasetException(p.where() + ": no image of class '" + classes.get(k) + "' (label " + k
              + "), which " + train.where() + " has " + trainCounts[k] + " of" + skippedNote
              + "; every class needs images in each split");
        }
      }
    }
    ImageDataset testSet;
    if (test != null) {
      testSet = test.data();
    } else {
      int n = (int) Math.round(o.testFraction() * pool.size());
      Splits.Pair p = holdOut(pool, n, true, o.seed() ^ TEST_SEED, "test", train.where());
      testSet = pool.subset(name + "/test", p.heldOut());
      pool = pool.subset(name + "/train", p.kept());
    }
    ImageDataset validationSet;
    if (validation != null) {
      validationSet = validation.data();
    } else {
      int n = o.validationSize() >= 0 ? o.validationSize() : (int) Math.round(o.validationFraction() * pool.size());
      Splits.Pair p = holdOut(pool, n, o.validationSplit() == DataOptions.ValidationSplit.STRATIFIED, o.seed(),
          "validation", train.where());
      validationSet = pool.subset(name + "/validation", p.heldOut());
      pool = pool.subset(name + "/train", p.kept());
    }
    ImageDataset trainSet = pool;
    if (o.limit() > 0) {
      trainSet = trainSet.first(o.limit());
      validationSet = validationSet.first(o.limit());
      testSet = testSet.first(o.limit());
    }
    if (!skipped.isEmpty()) {
      LOG.warn("{}: skipped {} files that are corrupt or not images, e.g. {}", root, skipped.size(), skipped.get(0));
    }
    List<FileCheck> files = new ArrayList<>();
    files.add(new FileCheck(root.getFileName() == null ? root.toString() : root.getFileName().toString(), root,
        ChecksumStatus.UNKNOWN, null, null, "your own data: not checked against the dataset registry"));
    DatasetInfo info = new DatasetInfo(name, null, root, source, List.copyOf(files), trainSet.height(),
        trainSet.width(), trainSet.channels(), classes, trainSet.countsPerClass(), validationSet.countsPerClass(),
        testSet.countsPerClass(), List.copyOf(skipped));
    return new DatasetSplits(trainSet, validationSet, testSet, info);
  }

  private static Splits.Pair holdOut(ImageDataset pool, int count, boolean stratified, long seed, String split,
      String where) {
    if (count >= pool.size()) {
      throw new DatasetException(where + ": " + pool.size() + " images are too few to hold out " + count + " for the "
          + split + " split and keep training images; add images or lower the " + split + " fraction");
    }
    return Splits.holdOut(pool.labels(), pool.numClasses(), count, stratified, seed);
  }

  /** Lower-case, for matching file and folder names. */
  static String lower(String s) {
    return s.toLowerCase(Locale.ROOT);
  }
}
