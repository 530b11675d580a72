package dev.spinal.datasets;

import com.google.common.base.Preconditions;
import dev.spinal.datasets.io.IdxReader;
import dev.spinal.datasets.io.IdxReader.IdxData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * IDX image/label pairs, the format of MNIST ({@link IdxReader}: idx3 uint8 images {@code [n, rows, cols]}, idx1
 * uint8 labels {@code [n]}, raw or gzipped), given by path per split: {@code train} is required, {@code validation}
 * and {@code test} are carved from it (seeded) when absent. Labels are class indices; class names are
 * {@link #withClassNames given}, else read from a {@code classes.txt} (one name per line) beside the training
 * images, else {@code "0".."K-1"} with K = 1 + the largest training label. Images are 1 channel; the options'
 * image size and channels resize/convert them when set.
 *
 * <pre>{@code
 * IdxSource.of(Path.of("d/train-images-idx3-ubyte.gz"), Path.of("d/train-labels-idx1-ubyte.gz"))
 *     .withTest(Path.of("d/t10k-images-idx3-ubyte.gz"), Path.of("d/t10k-labels-idx1-ubyte.gz"));
 * IdxSource.inFolder(Path.of("d"));   // the same, found by file name
 * }</pre>
 */
public record IdxSource(Pair train, Pair validation, Pair test, List<String> classNames) implements DataSource {

  /** One split's images file and labels file. */
  public record Pair(Path images, Path labels) {
    public Pair {
      Preconditions.checkNotNull(images, "images");
      Preconditions.checkNotNull(labels, "labels");
    }
  }

  public IdxSource {
    Preconditions.checkNotNull(train, "train");
    classNames = classNames == null ? null : List.copyOf(classNames);
  }

  /** The training pair; no validation or test pair yet. */
  public static IdxSource of(Path trainImages, Path trainLabels) {
    return new IdxSource(new Pair(trainImages, trainLabels), null, null, null);
  }

  public IdxSource withTest(Path images, Path labels) {
    return new IdxSource(train, validation, new Pair(images, labels), classNames);
  }

  public IdxSource withValidation(Path images, Path labels) {
    return new IdxSource(train, new Pair(images, labels), test, classNames);
  }

  /** Class names, label k = {@code names.get(k)} (instead of {@code classes.txt} or the label values). */
  public IdxSource withClassNames(List<String> names) {
    return new IdxSource(train, validation, test, names);
  }

  /** True for a file name (lower case) of IDX images or labels: {@code ...idx3-ubyte} or {@code ...idx1-ubyte}. */
  static boolean isIdxName(String lowerName) {
    String n = lowerName.endsWith(".gz") ? lowerName.substring(0, lowerName.length() - 3) : lowerName;
    return n.endsWith("idx3-ubyte") || n.endsWith("idx1-ubyte");
  }

  /**
   * The IDX files of a folder, paired by name: {@code idx3-ubyte} images and {@code idx1-ubyte} labels
   * ({@code .gz} or not), the split read from the name ({@code train}; {@code t10k} or {@code test}; {@code val}),
   * e.g. MNIST's {@code train-images-idx3-ubyte.gz} and {@code t10k-labels-idx1-ubyte.gz} or
   * {@code train-images.idx3-ubyte}. A name without a split word is the training split.
   *
   * @throws DatasetException naming the folder and the files found if the pairs are incomplete or ambiguous
   */
  public static IdxSource inFolder(Path dir) {
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.filter(Files::isRegularFile).filter(p -> isIdxName(UserData.lower(p.getFileName().toString())))
          .sorted().toList();
    } catch (IOException e) {
      throw new DatasetException(dir, "cannot list: " + e, e);
    }
    Map<String, Path> images = new LinkedHashMap<>();
    Map<String, Path> labels = new LinkedHashMap<>();
    for (Path f : files) {
      String n = UserData.lower(f.getFileName().toString());
      String split = n.contains("train") ? "train" : n.contains("t10k") || n.contains("test") ? "test"
          : n.contains("val") ? "validation" : "train";
      Map<String, Path> into = n.contains("idx3") ? images : labels;
      Path before = into.put(split, f);
      if (before != null) {
        throw new DatasetException(dir, "two IDX " + (into == images ? "image" : "label") + " files for the " + split
            + " split: " + before.getFileName() + " and " + f.getFileName() + "; keep one (or name the pairs in"
            + " Java with IdxSource.of)");
      }
    }
    if (!images.containsKey("train")) {
      throw new DatasetException(dir, "no IDX training images (a file named like train-images-idx3-ubyte[.gz]);"
          + " found " + names(files));
    }
    Map<String, Pair> pairs = new LinkedHashMap<>();
    for (Map.Entry<String, Path> e : images.entrySet()) {
      Path l = labels.get(e.getKey());
      if (l == null) {
        throw new DatasetException(e.getValue(), "has no labels file: expected an idx1-ubyte file of the same split ("
            + e.getKey() + ") in " + dir + "; found " + names(files));
      }
      pairs.put(e.getKey(), new Pair(e.getValue(), l));
    }
    for (Map.Entry<String, Path> e : labels.entrySet()) {
      if (!images.containsKey(e.getKey())) {
        throw new DatasetException(e.getValue(), "has no images file: expected an idx3-ubyte file of the same split ("
            + e.getKey() + ") in " + dir);
      }
    }
    return new IdxSource(pairs.get("train"), pairs.get("validation"), pairs.get("test"), null);
  }

  private static String names(List<Path> files) {
    List<String> n = new ArrayList<>();
    files.forEach(f -> n.add(f.getFileName().toString()));
    return n.isEmpty() ? "no IDX files" : String.join(", ", n);
  }

  @Override
  public Path path() {
    Path parent = train.images().toAbsolutePath().getParent();
    return parent != null ? parent : train.images();
  }

  @Override
  public String describe() {
    StringBuilder sb = new StringBuilder("IDX files (train ").append(train.images().getFileName());
    if (validation != null) {
      sb.append(", validation ").append(validation.images().getFileName());
    }
    if (test != null) {
      sb.append(", test ").append(test.images().getFileName());
    }
    return sb.append(')').toString();
  }

  @Override
  public DatasetSplits load(DataOptions o) {
    String name = UserData.name(path());
    Raw tr = read(train);
    Raw va = validation == null ? null : read(validation);
    Raw te = test == null ? null : read(test);
    for (Raw r : new Raw[] {va, te}) {
      if (r != null && (r.rows != tr.rows || r.cols != tr.cols)) {
        throw new DatasetException(r.pair.images(), "holds " + r.rows + "x" + r.cols + " images but "
            + train.images().getFileName() + " holds " + tr.rows + "x" + tr.cols + "; every split needs one size");
      }
    }
    long max = -1;
    for (long l : tr.labels) {
      max = Math.max(max, l);
    }
    List<String> classes = UserData.indexClassNames(classNames, path(), max, tr.n,
        problem -> new DatasetException(train.labels(), problem));
    boolean named = classNames != null || Files.isRegularFile(path().resolve("classes.txt"));
    String range = UserData.classRange(classes, named, path());
    UserData.Part trainPart = part(name + "/train", tr, classes, range, o);
    UserData.Part valPart = va == null ? null : part(name + "/validation", va, classes, range, o);
    UserData.Part testPart = te == null ? null : part(name + "/test", te, classes, range, o);
    return UserData.assemble(name, path(), describe(), trainPart, valPart, testPart, List.of(), o);
  }

  private record Raw(Pair pair, byte[] pixels, int n, int rows, int cols, long[] labels) {}

  private static Raw read(Pair p) {
    IdxData images = IdxReader.readImages(p.images(), null);
    IdxData labels = IdxReader.readLabels(p.labels(), null);
    int n = images.dims()[0];
    if (n == 0) {
      throw new DatasetException(p.images(), "holds no images (the IDX header says 0)");
    }
    if (labels.count() != n) {
      throw new DatasetException(p.labels(), "holds " + labels.count() + " labels but " + p.images().getFileName()
          + " holds " + n + " images (count mismatch)");
    }
    int[] values = IdxReader.unsignedBytes(labels);
    long[] l = new long[values.length];
    for (int i = 0; i < l.length; i++) {
      l[i] = values[i];
    }
    return new Raw(p, images.values(), n, images.dims()[1], images.dims()[2], l);
  }

  private static UserData.Part part(String name, Raw r, List<String> classes, String range, DataOptions o) {
    int[] labels = UserData.checkLabels(r.labels, classes.size(), range,
        problem -> new DatasetException(r.pair.labels(), problem));
    ImageDataset ds = ImageDataset.of(name, r.pixels, r.rows, r.cols, 1, labels, classes);
    return new UserData.Part(UserData.convert(ds, o), r.pair.labels().toString());
  }
}
