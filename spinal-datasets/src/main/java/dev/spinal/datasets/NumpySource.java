package dev.spinal.datasets;

import dev.spinal.datasets.io.NpyReader;
import dev.spinal.datasets.io.NpyReader.NpyArray;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * NumPy arrays: an {@code .npz} archive ({@code numpy.savez[_compressed]}) or a folder of {@code .npy} files (the
 * file name is the array's name), read by {@link NpyReader}. Images are uint8 ({@code |u1}) of shape
 * {@code (n, h, w)} (grayscale) or {@code (n, h, w, c)} with c = 1 or 3, C order; labels integers of shape
 * {@code (n,)} or {@code (n, 1)}.
 *
 * <p>Array names, per split (matched case-insensitively): {@code x_train}/{@code y_train} (as
 * {@code keras.datasets} writes them), {@code train_images}/{@code train_labels}, {@code images_train}/
 * {@code labels_train}, {@code train_x}/{@code train_y}; the splits are {@code train} (or {@code training}),
 * {@code val}/{@code valid}/{@code validation} and {@code test}. Unsplit data is {@code x}/{@code y} or
 * {@code images}/{@code labels}, and is the training split. Missing validation and test splits are carved (seeded)
 * from training. Class names as in {@link IdxSource}: given, else {@code classes.txt} beside the arrays, else
 * {@code "0".."K-1"}.
 */
public record NumpySource(Path path, List<String> classNames) implements DataSource {
  private static final Map<String, List<String>> SPLITS = new LinkedHashMap<>();

  static {
    SPLITS.put("train", List.of("train", "training"));
    SPLITS.put("validation", List.of("val", "valid", "validation"));
    SPLITS.put("test", List.of("test", "testing"));
  }

  public NumpySource {
    classNames = classNames == null ? null : List.copyOf(classNames);
  }

  /** An {@code .npz} file, a folder of {@code .npy} files, or one {@code .npy} file (standing for its folder). */
  public static NumpySource of(Path path) {
    if (Files.isRegularFile(path) && UserData.lower(path.getFileName().toString()).endsWith(".npy")) {
      path = path.toAbsolutePath().getParent();
    }
    return new NumpySource(path, null);
  }

  /** Class names, label k = {@code names.get(k)}. */
  public NumpySource withClassNames(List<String> names) {
    return new NumpySource(path, names);
  }

  @Override
  public String describe() {
    return Files.isDirectory(path) ? "NumPy arrays (.npy files)" : "NumPy arrays (.npz)";
  }

  /** Named arrays: an npz archive's entries or a folder's .npy files. */
  private interface Arrays extends AutoCloseable {
    Set<String> keys();

    NpyArray read(String key);

    @Override
    void close();
  }

  private Arrays open() {
    if (Files.isDirectory(path)) {
      Map<String, Path> files = new LinkedHashMap<>();
      try (Stream<Path> s = Files.list(path)) {
        s.filter(Files::isRegularFile).sorted().forEach(p -> {
          String n = p.getFileName().toString();
          if (UserData.lower(n).endsWith(".npy")) {
            files.put(n.substring(0, n.length() - 4), p);
          }
        });
      } catch (IOException e) {
        throw new DatasetException(path, "cannot list: " + e, e);
      }
      return new Arrays() {
        public Set<String> keys() {
          return files.keySet();
        }

        public NpyArray read(String key) {
          return NpyReader.read(files.get(key));
        }

        public void close() {}
      };
    }
    NpyReader.Npz npz = NpyReader.openNpz(path);
    return new Arrays() {
      public Set<String> keys() {
        return npz.keys();
      }

      public NpyArray read(String key) {
        return npz.read(key);
      }

      public void close() {
        npz.close();
      }
    };
  }

  /** The folder that may hold a {@code classes.txt}. */
  private Path folder() {
    return Files.isDirectory(path) ? path : path.toAbsolutePath().getParent();
  }

  @Override
  public DatasetSplits load(DataOptions o) {
    String name = UserData.name(path);
    try (Arrays arrays = open()) {
      Map<String, String> lower = new LinkedHashMap<>();
      arrays.keys().forEach(k -> lower.put(UserData.lower(k), k));
      Map<String, String[]> found = new LinkedHashMap<>();
      for (Map.Entry<String, List<String>> split : SPLITS.entrySet()) {
        String[] keys = find(lower, split.getValue());
        if (keys != null) {
          found.put(split.getKey(), keys);
        }
      }
      String[] unsplit = find(lower, List.of(""));
      if (unsplit != null) {
        if (!found.isEmpty()) {
          throw new DatasetException(path, "holds both unsplit arrays (" + unsplit[0] + ", " + unsplit[1]
              + ") and per-split arrays (" + found.get(found.keySet().iterator().next())[0] + "); keep one kind");
        }
        found.put("train", unsplit);
      }
      if (!found.containsKey("train")) {
        throw new DatasetException(path, "no training arrays: found " + (arrays.keys().isEmpty() ? "no arrays"
            : String.join(", ", arrays.keys())) + "; expected x_train and y_train (and x_test, y_test), or images"
            + " and labels");
      }
      Map<String, Read> read = new LinkedHashMap<>();
      for (Map.Entry<String, String[]> e : found.entrySet()) {
        read.put(e.getKey(), read(arrays, e.getValue()[0], e.getValue()[1]));
      }
      Read train = read.get("train");
      for (Read r : read.values()) {
        if (r.h != train.h || r.w != train.w || r.c != train.c) {
          throw r.images.error("holds " + r.h + "x" + r.w + "x" + r.c + " images but " + train.images.name()
              + " holds " + train.h + "x" + train.w + "x" + train.c + "; every split needs one image shape");
        }
      }
      long max = -1;
      for (long l : train.labels) {
        max = Math.max(max, l);
      }
      List<String> classes = UserData.indexClassNames(classNames, folder(), max, train.labels.length,
          train.labelArray::error);
      boolean named = classNames != null || Files.isRegularFile(folder().resolve("classes.txt"));
      String range = UserData.classRange(classes, named, folder());
      Map<String, UserData.Part> parts = new LinkedHashMap<>();
      for (Map.Entry<String, Read> e : read.entrySet()) {
        Read r = e.getValue();
        int[] labels = UserData.checkLabels(r.labels, classes.size(), range, r.labelArray::error);
        ImageDataset ds = ImageDataset.of(name + "/" + e.getKey(), r.images.data(), r.h, r.w, r.c, labels, classes);
        parts.put(e.getKey(), new UserData.Part(UserData.convert(ds, o), where(r)));
      }
      List<String> used = new ArrayList<>();
      found.values().forEach(k -> used.add(k[0] + "/" + k[1]));
      return UserData.assemble(name, path, describe() + " " + String.join(", ", used), parts.get("train"),
          parts.get("validation"), parts.get("test"), List.of(), o);
    }
  }

  private String where(Read r) {
    return r.images.key() != null ? path + " arrays " + r.images.key() + "/" + r.labelArray.key()
        : r.labelArray.file().toString();
  }

  /** The images and labels keys of one split (aliases), or null; fails when a split is half there or ambiguous. */
  private String[] find(Map<String, String> lower, List<String> aliases) {
    Set<String> images = new LinkedHashSet<>();
    Set<String> labels = new LinkedHashSet<>();
    for (String a : aliases) {
      List<String> imageNames = a.isEmpty() ? List.of("x", "images")
          : List.of("x_" + a, a + "_x", a + "_images", "images_" + a);
      List<String> labelNames = a.isEmpty() ? List.of("y", "labels")
          : List.of("y_" + a, a + "_y", a + "_labels", "labels_" + a);
      imageNames.stream().filter(lower::containsKey).map(lower::get).forEach(images::add);
      labelNames.stream().filter(lower::containsKey).map(lower::get).forEach(labels::add);
    }
    if (images.isEmpty() && labels.isEmpty()) {
      return null;
    }
    if (images.size() > 1 || labels.size() > 1) {
      throw new DatasetException(path, "ambiguous arrays for one split: " + String.join(", ", images) + " / "
          + String.join(", ", labels) + "; keep one images and one labels array per split");
    }
    if (images.isEmpty()) {
      throw new DatasetException(path, "labels " + labels.iterator().next() + " have no images array (expected "
          + labels.iterator().next().replaceFirst("(?i)y", "x").replaceFirst("(?i)labels", "images") + ")");
    }
    if (labels.isEmpty()) {
      String img = images.iterator().next();
      throw new DatasetException(path, "images " + img + " have no labels array (expected "
          + img.replaceFirst("(?i)x", "y").replaceFirst("(?i)images", "labels") + ")");
    }
    return new String[] {images.iterator().next(), labels.iterator().next()};
  }

  private record Read(NpyArray images, NpyArray labelArray, int n, int h, int w, int c, long[] labels) {}

  private static Read read(Arrays arrays, String imagesKey, String labelsKey) {
    NpyArray images = arrays.read(imagesKey);
    long[] s = images.shape();
    int c;
    if (s.length == 3) {
      c = 1;
    } else if (s.length == 4 && (s[3] == 1 || s[3] == 3)) {
      c = (int) s[3];
    } else if (s.length == 4 && (s[1] == 1 || s[1] == 3)) {
      throw images.error("shape " + images.shapeText() + " looks channels-first (NCHW); expected (n, h, w, c):"
          + " save x.transpose(0, 2, 3, 1)");
    } else if (s.length == 4) {
      throw images.error("shape " + images.shapeText() + " has " + s[3] + " channels; expected 1 (grayscale) or 3"
          + " (RGB)");
    } else {
      throw images.error("shape " + images.shapeText() + "; expected images of shape (n, h, w) or (n, h, w, c)");
    }
    if (s[0] == 0 || s[1] == 0 || s[2] == 0) {
      throw images.error("shape " + images.shapeText() + " holds no images");
    }
    images.unsignedBytes(); // fails on another dtype
    NpyArray labelArray = arrays.read(labelsKey);
    long[] ls = labelArray.shape();
    if (!(ls.length == 1 || ls.length == 2 && ls[1] == 1)) {
      throw labelArray.error("shape " + labelArray.shapeText() + "; expected labels of shape (n,)"
          + (ls.length == 2 ? " (one-hot labels? save y.argmax(axis=1))" : ""));
    }
    long[] labels = labelArray.longs();
    if (labels.length != s[0]) {
      throw labelArray.error("holds " + labels.length + " labels but " + images.name() + " holds " + s[0]
          + " images (count mismatch)");
    }
    return new Read(images, labelArray, (int) s[0], (int) s[1], (int) s[2], c, labels);
  }
}
