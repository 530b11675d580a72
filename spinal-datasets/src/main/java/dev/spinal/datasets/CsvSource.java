package dev.spinal.datasets;

import com.google.common.base.CharMatcher;
import dev.spinal.datasets.io.CsvRows;
import dev.spinal.datasets.io.ImageFolderReader;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A CSV list of images: one {@code path,label} row per image ({@link CsvRows}: RFC 4180 quoting), paths relative to
 * the CSV's folder (or absolute), an optional header row (recognised by a column named {@code path}, {@code file},
 * {@code filename}, {@code image} or {@code filepath}, which is then the path column; its {@code label},
 * {@code class}, {@code category} or {@code target} column is the label, else the first other column).
 *
 * <p>Labels are class names or integer indices. With class names {@link #withClassNames given} or in a
 * {@code classes.txt} beside the CSV (one per line, label k = line k), a label is one of them or an index into
 * them. Without, labels that are all integers are indices with classes {@code "0".."K-1"}; otherwise each distinct
 * label is a class, sorted by name. The images are decoded like {@link ImageFolderSource}'s; validation and test
 * splits are carved (seeded, stratified) from the list.
 */
public record CsvSource(Path csv, List<String> classNames) implements DataSource {
  private static final Set<String> PATH_HEADERS = Set.of("path", "file", "filename", "file_name", "image",
      "image_path", "filepath", "img");
  private static final Set<String> LABEL_HEADERS = Set.of("label", "class", "class_name", "category", "target",
      "y");

  /** Integer labels are class indices; beyond this many classes a label is a typo, not a class. */
  private static final int MAX_INDEX = 100_000;

  public CsvSource {
    classNames = classNames == null ? null : List.copyOf(classNames);
  }

  public static CsvSource of(Path csv) {
    return new CsvSource(csv, null);
  }

  /** Class names, label k = {@code names.get(k)} (instead of {@code classes.txt} or the labels themselves). */
  public CsvSource withClassNames(List<String> names) {
    return new CsvSource(csv, names);
  }

  @Override
  public Path path() {
    return csv;
  }

  @Override
  public String describe() {
    return "CSV list of images (" + csv.getFileName() + ")";
  }

  @Override
  public DatasetSplits load(DataOptions o) {
    String name = UserData.name(csv);
    Path dir = csv.toAbsolutePath().getParent();
    List<CsvRows.Row> rows = new ArrayList<>(CsvRows.read(csv));
    if (rows.isEmpty()) {
      throw new DatasetException(csv, "has no rows (expected path,label rows)");
    }
    int pathCol = 0;
    int labelCol = 1;
    List<String> first = rows.get(0).fields().stream().map(UserData::lower).toList();
    int headerPath = -1;
    for (int c = 0; c < first.size() && headerPath < 0; c++) {
      headerPath = PATH_HEADERS.contains(first.get(c)) ? c : -1;
    }
    if (headerPath >= 0) {
      pathCol = headerPath;
      labelCol = pathCol == 0 ? 1 : 0;
      for (int c = 0; c < first.size(); c++) {
        if (c != pathCol && LABEL_HEADERS.contains(first.get(c))) {
          labelCol = c;
          break;
        }
      }
      rows.remove(0);
      if (rows.isEmpty()) {
        throw new DatasetException(csv, "has a header row but no rows of path,label");
      }
    }
    int columns = Math.max(pathCol, labelCol) + 1;
    List<Path> files = new ArrayList<>(rows.size());
    List<String> labels = new ArrayList<>(rows.size());
    for (int r = 0; r < rows.size(); r++) {
      CsvRows.Row row = rows.get(r);
      String at = "row " + (r + 1) + " (line " + row.line() + ")";
      if (row.fields().size() < columns) {
        throw new DatasetException(csv, at + ": expected path,label, found " + row.fields().size() + " column"
            + (row.fields().size() == 1 ? "" : "s") + ": " + String.join(",", row.fields()));
      }
      String p = row.fields().get(pathCol);
      String label = row.fields().get(labelCol);
      if (p.isEmpty()) {
        throw new DatasetException(csv, at + ": empty path");
      }
      if (label.isEmpty()) {
        throw new DatasetException(csv, at + ": empty label for " + p);
      }
      Path file;
      try {
        file = dir.resolve(p);
      } catch (InvalidPathException e) {
        throw new DatasetException(csv, at + ": '" + CharMatcher.javaIsoControl().replaceFrom(p, '?')
            + "' is not a valid path (" + e.getReason() + ")", e);
      }
      if (!Files.isRegularFile(file)) {
        throw new DatasetException(csv, at + ": no such file " + p + " (looked for " + file + ")");
      }
      files.add(file);
      labels.add(label);
    }
    List<String> classes = classNames;
    Path classesTxt = dir.resolve("classes.txt");
    if (classes == null && Files.isRegularFile(classesTxt)) {
      classes = UserData.readClassNames(classesTxt);
    }
    int[] indices = new int[labels.size()];
    if (classes != null) {
      Map<String, Integer> byName = new HashMap<>();
      for (int k = 0; k < classes.size(); k++) {
        byName.put(classes.get(k), k);
      }
      String from = classNames != null ? classes.size() + " class names given" : classesTxt + " lists "
          + classes.size() + " classes";
      for (int i = 0; i < labels.size(); i++) {
        Integer k = byName.get(labels.get(i));
        if (k == null) {
          Long index = parseIndex(labels.get(i));
          if (index == null || index < 0 || index >= classes.size()) {
            throw new DatasetException(csv, "row " + (i + 1) + " (line " + rows.get(i).line() + "): label '"
                + labels.get(i) + "' is neither a class name nor an index 0.." + (classes.size() - 1) + " (" + from
                + ")");
          }
          k = (int) (long) index;
        }
        indices[i] = k;
      }
    } else if (labels.stream().allMatch(l -> parseIndex(l) != null)) {
      long max = -1;
      for (int i = 0; i < labels.size(); i++) {
        long v = parseIndex(labels.get(i));
        if (v < 0 || v >= MAX_INDEX) {
          throw new DatasetException(csv, "row " + (i + 1) + " (line " + rows.get(i).line() + "): label " + v
              + " is outside the class range 0.." + (MAX_INDEX - 1) + " (integer labels are class indices)");
        }
        indices[i] = (int) v;
        max = Math.max(max, v);
      }
      classes = UserData.indexClassNames(null, null, max, labels.size(),
          problem -> new DatasetException(csv, problem));
    } else {
      classes = List.copyOf(new TreeSet<>(labels));
      for (int i = 0; i < labels.size(); i++) {
        indices[i] = classes.indexOf(labels.get(i));
      }
    }
    List<ImageFolderReader.Entry> entries = new ArrayList<>(files.size());
    for (int i = 0; i < files.size(); i++) {
      entries.add(new ImageFolderReader.Entry(files.get(i), indices[i]));
    }
    int[] size = UserData.fileImageSize(o, entries);
    ImageFolderReader.Decoded d = ImageFolderReader.load(name + "/train", entries, classes, size[0], size[1],
        UserData.fileChannels(o), o.skipBadFiles());
    return UserData.assemble(name, csv, describe(), new UserData.Part(d.dataset(), csv.toString()), null, null,
        d.skipped(), o);
  }

  private static Long parseIndex(String s) {
    try {
      return Long.parseLong(s.strip());
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
