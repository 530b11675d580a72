package dev.spinal.datasets;

import dev.spinal.datasets.DataOptions.QmnistTest;
import dev.spinal.datasets.DatasetInfo.ChecksumStatus;
import dev.spinal.datasets.DatasetInfo.FileCheck;
import dev.spinal.datasets.download.DataFile;
import dev.spinal.datasets.download.DatasetRegistry;
import dev.spinal.datasets.download.DatasetSpec;
import dev.spinal.datasets.download.Resolver;
import dev.spinal.datasets.io.Checksums;
import dev.spinal.datasets.io.IdxReader;
import dev.spinal.datasets.io.IdxReader.IdxData;
import dev.spinal.datasets.io.ImageFolderReader;
import dev.spinal.datasets.io.Stl10Reader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * Entry point: finds, verifies, decodes and splits the paper's datasets.
 *
 * <pre>{@code
 * DatasetSplits data = Datasets.load("fashion-mnist", DataOptions.builder().seed(1).build());
 * ImageDataset train = data.train();   // 54,000 x 28 x 28 x 1, 10 classes
 * }</pre>
 *
 * Label conventions: every dataset's labels are 0-based class indices into {@link ImageDataset#classNames()}
 * (EMNIST letters' 1..26 become 0..25, STL-10's 1..10 become 0..9, QMNIST's class is column 0 of its label table,
 * image folders are labelled by sorted folder name).
 */
public final class Datasets {
  static final List<String> DIGITS = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
  static final List<String> FASHION = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
      "Shirt", "Sneaker", "Bag", "Ankle boot");
  static final List<String> KMNIST = List.of("o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo");
  static final List<String> LETTERS = IntStream.range(0, 26).mapToObj(i -> String.valueOf((char) ('a' + i)))
      .toList();
  static final List<String> STL10 = List.of("airplane", "bird", "car", "cat", "deer", "dog", "horse", "monkey",
      "ship", "truck");
  /** Caltech-101's clutter class, not one of the 101 categories. */
  public static final String CALTECH_CLUTTER = "BACKGROUND_Google";
  static final int MNIST_SIDE = 28;
  /**
   * What a checksum mismatch of a registry dataset's local copy says to do about it: the command line's flag (the
   * Java equivalent is {@link DataOptions.Builder#verifyChecksums verifyChecksums(false)}).
   */
  static final String NO_VERIFY = "if it is a re-packaged copy you trust, --no-verify loads it anyway";

  private Datasets() {}

  /** The registry entries of every known dataset (URLs, files, checksums, how to get each). */
  public static List<DatasetSpec> list() {
    return DatasetRegistry.all();
  }

  public static DatasetSpec spec(String name) {
    return DatasetRegistry.spec(DatasetId.fromKey(name));
  }

  /** Makes the dataset's files present (downloading if needed and allowed) and returns the folder holding them. */
  public static Path fetch(String name, DataOptions options) {
    return Resolver.resolve(spec(name), options).root();
  }

  /** Loads the dataset and returns its summary (counts, shape, classes, checksum status). */
  public static DatasetInfo inspect(String name, DataOptions options) {
    return load(name, options).info();
  }

  /** Loads a dataset by key ({@code fashion-mnist}, {@code stl10}, ... see {@link DatasetId}). */
  public static DatasetSplits load(String name, DataOptions options) {
    return load(DatasetId.fromKey(name), options);
  }

  /**
   * Loads a user's own data (image folders, IDX files, NumPy arrays, a CSV list; see {@link DataSource}), e.g.
   * {@code Datasets.load(DataSource.detect(Path.of("flowers")), options)}. No registry checksum applies.
   */
  public static DatasetSplits load(DataSource source, DataOptions options) {
    return source.load(options);
  }

  public static DatasetSplits load(DatasetId id, DataOptions options) {
    DatasetSpec spec = DatasetRegistry.spec(id);
    Resolver.Resolved where = Resolver.resolve(spec, options);
    Loader l = new Loader(spec, where, options);
    return switch (id.kind()) {
      case IDX -> l.idx();
      case STL10 -> l.stl10();
      case IMAGE_FOLDER -> l.folders();
    };
  }

  /** One load: the spec, where the files are, the options, and the file checks collected on the way. */
  private static final class Loader {
    final DatasetSpec spec;
    final DatasetId id;
    final Path root;
    final String source;
    final DataOptions o;
    final List<FileCheck> checks = new ArrayList<>();

    Loader(DatasetSpec spec, Resolver.Resolved where, DataOptions o) {
      this.spec = spec;
      this.id = spec.id();
      this.root = where.root();
      this.source = where.source().name().toLowerCase();
      this.o = o;
    }

    Path path(String name) {
      DataFile f = spec.file(name);
      return Resolver.locate(root, f).orElseThrow(() -> new DatasetException(root.resolve(name), "missing"));
    }

    // ---------------------------------------------------------------------------------------------- IDX

    DatasetSplits idx() {
      String trainPrefix;
      String testPrefix;
      String labelSuffix = "labels-idx1-ubyte";
      List<String> classes;
      switch (id) {
        case FASHION_MNIST -> {
          trainPrefix = "train-";
          testPrefix = "t10k-";
          classes = FASHION;
        }
        case MNIST -> {
          trainPrefix = "train-";
          testPrefix = "t10k-";
          classes = DIGITS;
        }
        case KMNIST -> {
          trainPrefix = "train-";
          testPrefix = "t10k-";
          classes = KMNIST;
        }
        case EMNIST_DIGITS -> {
          trainPrefix = "emnist-digits-train-";
          testPrefix = "emnist-digits-test-";
          classes = DIGITS;
        }
        case EMNIST_LETTERS -> {
          trainPrefix = "emnist-letters-train-";
          testPrefix = "emnist-letters-test-";
          classes = LETTERS;
        }
        case QMNIST -> {
          trainPrefix = "qmnist-train-";
          testPrefix = "qmnist-test-";
          labelSuffix = "labels-idx2-int";
          classes = DIGITS;
        }
        default -> throw new IllegalStateException(id.toString());
      }
      ImageDataset train = idxSplit(trainPrefix + "images-idx3-ubyte", trainPrefix + labelSuffix, classes, "train",
          0, -1);
      ImageDataset test;
      if (id == DatasetId.QMNIST && o.qmnistTest() != QmnistTest.TEST) {
        boolean first = o.qmnistTest() == QmnistTest.TEST10K;
        test = idxSplit(testPrefix + "images-idx3-ubyte", testPrefix + labelSuffix, classes, "test",
            first ? 0 : 10_000, first ? 10_000 : -1);
      } else {
        test = idxSplit(testPrefix + "images-idx3-ubyte", testPrefix + labelSuffix, classes, "test", 0, -1);
      }
      return finish(train, test);
    }

    /** Reads an images/labels pair; keeps rows {@code [from, to)} ({@code to = -1}: to the end). */
    ImageDataset idxSplit(String imagesName, String labelsName, List<String> classes, String split, int from,
        int to) {
      Path imgPath = path(imagesName);
      Path lblPath = path(labelsName);
      IdxData images = IdxReader.readImages(imgPath, payloadAlgorithm(imagesName));
      check(imagesName, imgPath, images.digest());
      int n = images.dims()[0];
      int rows = images.dims()[1];
      int cols = images.dims()[2];
      if (rows != MNIST_SIDE || cols != MNIST_SIDE) {
        throw new DatasetException(imgPath, "wrong image dimensions " + rows + "x" + cols + ", expected "
            + MNIST_SIDE + "x" + MNIST_SIDE);
      }
      int[] labels;
      if (id == DatasetId.QMNIST) {
        IdxData table = IdxReader.readIntTable(lblPath, payloadAlgorithm(labelsName));
        check(labelsName, lblPath, table.digest());
        if (table.dims()[1] != 8) {
          throw new DatasetException(lblPath, "QMNIST label table has " + table.dims()[1]
              + " columns, expected 8 (class, NIST HSF series, writer id, digit index, ...)");
        }
        labels = IdxReader.intColumn(table, 0);
      } else {
        IdxData lbl = IdxReader.readLabels(lblPath, payloadAlgorithm(labelsName));
        check(labelsName, lblPath, lbl.digest());
        labels = IdxReader.unsignedBytes(lbl);
      }
      if (labels.length != n) {
        throw new DatasetException(lblPath, "holds " + labels.length + " labels but " + imgPath.getFileName()
            + " holds " + n + " images (count mismatch)");
      }
      int offset = id == DatasetId.EMNIST_LETTERS ? 1 : 0;
      for (int i = 0; i < n; i++) {
        int v = labels[i] - offset;
        if (v < 0 || v >= classes.size()) {
          throw new DatasetException(lblPath, "label " + labels[i] + " at index " + i + " is outside "
              + offset + ".." + (classes.size() - 1 + offset));
        }
        labels[i] = v;
      }
      byte[] pixels = images.values();
      if (id == DatasetId.EMNIST_DIGITS || id == DatasetId.EMNIST_LETTERS) {
        IdxReader.transposeImages(pixels, n, rows, cols);
      }
      int end = to < 0 ? n : Math.min(to, n);
      if (from > 0 || end < n) {
        if (from >= end) {
          throw new DatasetException(imgPath, "has " + n + " rows; the requested subset starts at row " + from);
        }
        pixels = Arrays.copyOfRange(pixels, from * rows * cols, end * rows * cols);
        labels = Arrays.copyOfRange(labels, from, end);
      }
      ImageDataset ds = ImageDataset.of(id + "/" + split, pixels, rows, cols, 1, labels, classes);
      return o.limit() > 0 ? ds.first(o.limit()) : ds;
    }

    String payloadAlgorithm(String name) {
      DataFile f = spec.file(name);
      return o.verifyChecksums() && f.payload() != null ? f.payload().algorithm() : null;
    }

    /**
     * Records (and enforces) the checksum of one file. {@code payloadDigest} is the digest computed while
     * decoding, when the registry lists a payload checksum.
     */
    void check(String name, Path p, String payloadDigest) {
      DataFile f = spec.file(name);
      if (!o.verifyChecksums()) {
        checks.add(new FileCheck(name, p, ChecksumStatus.SKIPPED, null, null, null));
        return;
      }
      if (f.payload() != null) {
        String actual = payloadDigest != null ? payloadDigest : Checksums.ofPayload(p, f.payload().algorithm());
        if (!f.payload().matches(actual)) {
          throw new ChecksumMismatchException(p, "decompressed payload", f.payload().algorithm(),
              f.payload().hex(), actual, "corrupt, truncated, or a different version of the file; " + NO_VERIFY);
        }
        checks.add(new FileCheck(name, p, ChecksumStatus.VERIFIED, f.payload().algorithm(), actual,
            "decompressed payload; " + f.payload().source()));
        return;
      }
      String publishedName = id.kind() == DatasetId.Kind.IDX ? name + ".gz" : name;
      if (f.published() != null && p.getFileName().toString().equals(publishedName)) {
        String actual = Checksums.ofFile(p, f.published().algorithm());
        if (!f.published().matches(actual)) {
          throw new ChecksumMismatchException(p, "file", f.published().algorithm(), f.published().hex(), actual,
              "corrupt, truncated, or recompressed/another release; " + NO_VERIFY);
        }
        checks.add(new FileCheck(name, p, ChecksumStatus.VERIFIED, f.published().algorithm(), actual,
            f.published().source()));
        return;
      }
      checks.add(new FileCheck(name, p, ChecksumStatus.UNKNOWN, null, null,
          f.published() == null ? "no published checksum" : "published checksum is for " + publishedName));
    }

    // ------------------------------------------------------------------------------------------- STL-10

    DatasetSplits stl10() {
      List<String> classes = STL10;
      Path names = root.resolve("class_names.txt");
      if (Files.isRegularFile(names)) {
        try {
          List<String> lines = Files.readAllLines(names, StandardCharsets.UTF_8).stream().map(String::trim)
              .filter(s -> !s.isEmpty()).toList();
          if (lines.size() != 10) {
            throw new DatasetException(names, "has " + lines.size() + " class names, expected 10");
          }
          classes = lines;
        } catch (IOException e) {
          throw new DatasetException(names, "cannot read: " + e, e);
        }
      }
      ImageDataset train = stlSplit("train", classes);
      ImageDataset test = stlSplit("test", classes);
      return finish(train, test);
    }

    ImageDataset stlSplit(String split, List<String> classes) {
      Path x = path(split + "_X.bin");
      Path y = path(split + "_y.bin");
      int n = Stl10Reader.countImages(x);
      long labels;
      try {
        labels = Files.size(y);
      } catch (IOException e) {
        throw new DatasetException(y, "cannot read: " + e, e);
      }
      if (labels != n) {
        throw new DatasetException(y, "holds " + labels + " labels but " + x.getFileName() + " holds " + n
            + " images (count mismatch)");
      }
      check(split + "_X.bin", x, null);
      check(split + "_y.bin", y, null);
      int limit = o.limit() > 0 ? o.limit() : -1;
      byte[] pixels = Stl10Reader.readImages(x, limit);
      int[] lbl = Stl10Reader.readLabels(y, limit);
      return ImageDataset.of(id + "/" + split, pixels, Stl10Reader.SIDE, Stl10Reader.SIDE, Stl10Reader.CHANNELS,
          lbl, classes);
    }

    // ------------------------------------------------------------------------------------ image folders

    DatasetSplits folders() {
      int defaultSide = id == DatasetId.FRUITS360 ? 100 : 230;
      int h = o.imageHeight() > 0 ? o.imageHeight() : defaultSide;
      int w = o.imageWidth() > 0 ? o.imageWidth() : defaultSide;
      switch (id) {
        case CALTECH101 -> {
          Path cats = path("101_ObjectCategories");
          Set<String> exclude = o.includeClutter() ? Set.of() : Set.of(CALTECH_CLUTTER);
          List<String> classes = ImageFolderReader.classNames(cats, exclude);
          List<ImageFolderReader.Entry> all = ImageFolderReader.scan(cats, classes);
          int[] labels = all.stream().mapToInt(ImageFolderReader.Entry::label).toArray();
          int nTest = (int) Math.round(o.testFraction() * all.size());
          Splits.Pair tt = Splits.holdOut(labels, classes.size(), nTest, true, o.seed() ^ 0x7e57L);
          int[] trainIdx = tt.kept();
          int[] trainLabels = Arrays.stream(trainIdx).map(i -> labels[i]).toArray();
          Splits.Pair tv = Splits.holdOut(trainLabels, classes.size(), validationCount(trainIdx.length),
              o.validationSplit() == DataOptions.ValidationSplit.STRATIFIED, o.seed());
          ImageDataset train = decode(all, Splits.select(trainIdx, tv.kept()), classes, "train", h, w);
          ImageDataset val = decode(all, Splits.select(trainIdx, tv.heldOut()), classes, "validation", h, w);
          ImageDataset test = decode(all, tt.heldOut(), classes, "test", h, w);
          checks.add(new FileCheck("101_ObjectCategories/", cats, ChecksumStatus.UNKNOWN, null, null,
              classes.size() + " classes, " + all.size() + " images; archive MD5 is checked at download"));
          return new DatasetSplits(train, val, test, info(train, val, test));
        }
        case BIRD225 -> {
          List<String> classes = ImageFolderReader.classNames(path("train"), Set.of());
          ImageDataset train = decodeAll(path("train"), classes, "train", h, w);
          ImageDataset val = decodeAll(path("valid"), classes, "validation", h, w);
          ImageDataset test = decodeAll(path("test"), classes, "test", h, w);
          checks.add(new FileCheck("train/ valid/ test/", root, ChecksumStatus.UNKNOWN, null, null,
              "no published checksum"));
          return new DatasetSplits(train, val, test, info(train, val, test));
        }
        case FRUITS360 -> {
          List<String> classes = ImageFolderReader.classNames(path("Training"), Set.of());
          ImageDataset train = decodeAll(path("Training"), classes, "train", h, w);
          ImageDataset test = decodeAll(path("Test"), classes, "test", h, w);
          checks.add(new FileCheck("Training/ Test/", root, ChecksumStatus.UNKNOWN, null, null,
              "no published checksum"));
          return finish(train, test);
        }
        default -> throw new IllegalStateException(id.toString());
      }
    }

    ImageDataset decodeAll(Path dir, List<String> classes, String split, int h, int w) {
      List<ImageFolderReader.Entry> all = ImageFolderReader.scan(dir, classes);
      int[] idx = IntStream.range(0, all.size()).toArray();
      return decode(all, idx, classes, split, h, w);
    }

    ImageDataset decode(List<ImageFolderReader.Entry> all, int[] idx, List<String> classes, String split, int h,
        int w) {
      int n = o.limit() > 0 ? Math.min(o.limit(), idx.length) : idx.length;
      List<ImageFolderReader.Entry> chosen = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        chosen.add(all.get(idx[i]));
      }
      return ImageFolderReader.load(id + "/" + split, chosen, classes, h, w);
    }

    // ---------------------------------------------------------------------------------------- splitting

    int validationCount(int n) {
      int count = o.validationSize() >= 0 ? o.validationSize() : (int) Math.round(o.validationFraction() * n);
      if (count >= n) {
        throw new DatasetException(id + ": validation size " + count + " leaves no training images out of " + n);
      }
      return count;
    }

    /** Carves the validation split from the published training split. */
    DatasetSplits finish(ImageDataset published, ImageDataset test) {
      int[] labels = published.labels();
      Splits.Pair p = Splits.holdOut(labels, published.numClasses(), validationCount(published.size()),
          o.validationSplit() == DataOptions.ValidationSplit.STRATIFIED, o.seed());
      ImageDataset train = published.subset(id + "/train", p.kept());
      ImageDataset val = published.subset(id + "/validation", p.heldOut());
      return new DatasetSplits(train, val, test, info(train, val, test));
    }

    DatasetInfo info(ImageDataset train, ImageDataset val, ImageDataset test) {
      return new DatasetInfo(id.key(), id, root, source, List.copyOf(checks), train.height(), train.width(),
          train.channels(), train.classNames(), train.countsPerClass(), val.countsPerClass(),
          test.countsPerClass(), List.of());
    }
  }
}
