package dev.spinal.datasets;

import dev.spinal.datasets.io.ImageFolderReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A folder of images with one sub-folder per class, as Keras' {@code image_dataset_from_directory} and
 * torchvision's {@code ImageFolder} read it. Two layouts:
 *
 * <pre>
 * root/train/cat/*.png  root/val/cat/*.png  root/test/cat/*.png     split trees (val|valid|validation and test are
 * root/train/dog/...    ...                                          optional; train|training, test|testing)
 *
 * root/cat/*.jpg  root/dog/*.jpg                                     one tree: test and validation carved from it
 * </pre>
 *
 * Classes are the class folder names, sorted (label k = k-th name); in split trees they come from {@code train/},
 * and every other split must have the same class folders. Each image is decoded ({@code javax.imageio}: PNG, JPEG,
 * BMP, GIF), converted to RGB or grayscale ({@link DataOptions#channels()}, RGB by default) and resized to
 * {@link DataOptions#imageHeight()} x {@link DataOptions#imageWidth()} (default: the first image's size) with
 * {@link dev.spinal.datasets.io.Resize an antialiased bilinear filter}; see {@link ImageFolderReader}.
 */
public record ImageFolderSource(Path root) implements DataSource {
  private static final Map<String, String> SPLIT_NAMES = Map.of("train", "train", "training", "train", "val",
      "validation", "valid", "validation", "validation", "validation", "test", "test", "testing", "test");

  public static ImageFolderSource of(Path root) {
    return new ImageFolderSource(root);
  }

  @Override
  public Path path() {
    return root;
  }

  /**
   * The split folders by split ({@code train}, {@code validation}, {@code test}) when {@code root} holds a
   * {@code train/} folder and nothing but split folders; empty when {@code root} is one tree of class folders.
   */
  public Map<String, Path> splitFolders() {
    if (!Files.isDirectory(root)) {
      throw new DatasetException(root, "not a folder (expected one sub-folder per class, or train/ val/ test/)");
    }
    List<Path> dirs;
    try (Stream<Path> s = Files.list(root)) {
      dirs = s.filter(Files::isDirectory).filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
    } catch (IOException e) {
      throw new DatasetException(root, "cannot list: " + e, e);
    }
    Map<String, Path> splits = new LinkedHashMap<>();
    for (Path d : dirs) {
      String split = SPLIT_NAMES.get(UserData.lower(d.getFileName().toString()));
      if (split == null) {
        return Map.of(); // a class folder: root is one tree
      }
      Path before = splits.put(split, d);
      if (before != null) {
        throw new DatasetException(root, "has two " + split + " folders, " + before.getFileName() + "/ and "
            + d.getFileName() + "/; keep one");
      }
    }
    if (!splits.containsKey("train")) {
      return Map.of();
    }
    return splits;
  }

  @Override
  public String describe() {
    Map<String, Path> splits = splitFolders();
    if (splits.isEmpty()) {
      return "image folder (one tree of class folders, split by seed)";
    }
    StringBuilder sb = new StringBuilder("image folder (");
    splits.values().forEach(p -> sb.append(p.getFileName()).append("/ "));
    return sb.toString().strip() + ")";
  }

  @Override
  public DatasetSplits load(DataOptions o) {
    String name = UserData.name(root);
    Map<String, Path> splits = splitFolders();
    Map<String, List<ImageFolderReader.Entry>> entries = new LinkedHashMap<>();
    List<String> classes;
    if (splits.isEmpty()) {
      classes = ImageFolderReader.classNames(root, Set.of());
      entries.put("train", ImageFolderReader.scan(root, classes));
    } else {
      Path trainDir = splits.get("train");
      classes = ImageFolderReader.classNames(trainDir, Set.of());
      for (Map.Entry<String, Path> split : splits.entrySet()) {
        Path dir = split.getValue();
        if (!split.getKey().equals("train")) {
          checkSameClasses(dir, trainDir, classes);
        }
        entries.put(split.getKey(), ImageFolderReader.scan(dir, classes));
      }
    }
    int[] size = UserData.fileImageSize(o, entries.get("train"));
    int channels = UserData.fileChannels(o);
    List<Path> skipped = new ArrayList<>();
    Map<String, UserData.Part> parts = new LinkedHashMap<>();
    for (Map.Entry<String, List<ImageFolderReader.Entry>> split : entries.entrySet()) {
      ImageFolderReader.Decoded d = ImageFolderReader.load(name + "/" + split.getKey(), split.getValue(), classes,
          size[0], size[1], channels, o.skipBadFiles());
      skipped.addAll(d.skipped());
      Path dir = splits.isEmpty() ? root : splits.get(split.getKey());
      parts.put(split.getKey(), new UserData.Part(d.dataset(), dir.toString()));
    }
    return UserData.assemble(name, root, describe(), parts.get("train"), parts.get("validation"), parts.get("test"),
        skipped, o);
  }

  /** A split folder must have exactly the training split's class folders. */
  private static void checkSameClasses(Path dir, Path trainDir, List<String> classes) {
    List<String> here = ImageFolderReader.classNames(dir, Set.of());
    for (String c : here) {
      if (!classes.contains(c)) {
        throw new DatasetException(dir.resolve(c), "class '" + c + "' is not in " + trainDir.getFileName()
            + "/ (classes come from " + trainDir + ": " + String.join(", ", classes) + ")");
      }
    }
    for (String c : classes) {
      if (!here.contains(c)) {
        throw new DatasetException(dir, "has no folder for class '" + c + "', which " + trainDir.getFileName()
            + "/ has; every split needs the same class folders");
      }
    }
  }
}
