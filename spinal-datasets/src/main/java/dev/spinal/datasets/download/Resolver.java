package dev.spinal.datasets.download;

import dev.spinal.datasets.ChecksumMismatchException;
import dev.spinal.datasets.DataNotFoundException;
import dev.spinal.datasets.DataOptions;
import dev.spinal.datasets.DatasetException;
import dev.spinal.datasets.io.ArchiveExtractor;
import dev.spinal.datasets.io.Checksums;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Finds a dataset's files: explicit path → cache → system folders → download (see {@link DataOptions}). A folder
 * "holds" a dataset when every {@link DataFile} of its spec is present in it (IDX files as {@code name} or
 * {@code name.gz}); each candidate folder is searched up to {@value #MAX_DEPTH} levels down, so that an archive's
 * own top folder ({@code stl10_binary/}, EMNIST's {@code gzip/}) needs no configuration.
 */
public final class Resolver {
  static final int MAX_DEPTH = 3;

  private Resolver() {}

  /** Where the files were found. */
  public enum Source { EXPLICIT, CACHE, SYSTEM, DOWNLOAD }

  /** A folder holding every file of the spec, and where it came from. */
  public record Resolved(Path root, Source source) {}

  public static Resolved resolve(DatasetSpec spec, DataOptions options) {
    List<Path> searched = new ArrayList<>();
    if (options.path().isPresent()) {
      Path p = options.path().get();
      Optional<Path> root = findRoot(p, spec);
      if (root.isPresent()) {
        return new Resolved(root.get(), Source.EXPLICIT);
      }
      throw new DataNotFoundException(spec.id() + ": the given path " + p + " does not hold the dataset; missing: "
          + String.join(", ", missingNames(p, spec)) + ". " + spec.howToGet() + ".");
    }
    Path cacheFolder = options.cacheDir().resolve(spec.cacheFolder());
    searched.add(cacheFolder);
    Optional<Path> cached = findRoot(cacheFolder, spec);
    if (cached.isPresent()) {
      return new Resolved(cached.get(), Source.CACHE);
    }
    List<Path> system = options.systemLocations() != null ? options.systemLocations() : spec.systemLocations();
    for (Path s : system) {
      searched.add(s);
      Optional<Path> r = findRoot(s, spec);
      if (r.isPresent()) {
        return new Resolved(r.get(), Source.SYSTEM);
      }
    }
    String missing = String.join(", ", missingNames(cacheFolder, spec));
    if (!options.allowDownload() || spec.downloads().isEmpty()) {
      String why = spec.downloads().isEmpty() ? "it cannot be downloaded automatically"
          : "downloads are disabled";
      throw new DataNotFoundException(spec.id() + " not found and " + why + ".\n  missing: " + missing
          + "\n  searched: " + searched + "\n  to get it: " + spec.howToGet() + ", into " + cacheFolder
          + (spec.downloads().isEmpty() ? "" : "; or allow downloads (DataOptions.allowDownload(true), "
              + "'spinal data fetch " + spec.id() + "')"));
    }
    try (CacheFolderLock lock = CacheFolderLock.waitFor(cacheFolder, spec.id().toString())) {
      Optional<Path> meanwhile = findRoot(cacheFolder, spec);
      if (meanwhile.isPresent()) {
        return new Resolved(meanwhile.get(), Source.CACHE); // another process fetched it while this one waited
      }
      download(spec, options, cacheFolder);
    }
    return findRoot(cacheFolder, spec).map(r -> new Resolved(r, Source.DOWNLOAD))
        .orElseThrow(() -> new DatasetException(cacheFolder, "downloaded " + spec.id()
            + " but these files are still missing: " + String.join(", ", missingNames(cacheFolder, spec))));
  }

  /**
   * Fetches every remote file of {@code spec} into {@code folder}, extracting archives. Called with the folder's
   * {@link CacheFolderLock} held ({@link #resolve}): two at once in one folder would write the same files.
   */
  static void download(DatasetSpec spec, DataOptions options, Path folder) {
    Downloader dl = new Downloader(options.downloadAttempts(), options.retryBackoff(), options.progress());
    for (RemoteFile rf : spec.downloads()) {
      Path target = folder.resolve(rf.fileName());
      List<String> urls = options.baseUrl().map(b -> List.of(b + rf.fileName())).orElse(rf.urls());
      if (!Files.exists(target)) {
        dl.download(urls, target, rf.size(), rf.checksum());
      }
      if (rf.archive()) {
        extractAtomically(target, folder);
        if (rf.nestedArchive() != null) {
          Path nested = find(folder, rf.nestedArchive())
              .orElseThrow(() -> new DatasetException(target, "does not contain " + rf.nestedArchive()));
          if (rf.nestedChecksum() != null) {
            String actual = Checksums.ofFile(nested, rf.nestedChecksum().algorithm());
            if (!rf.nestedChecksum().matches(actual)) {
              throw new ChecksumMismatchException(nested, "archive inside " + rf.fileName() + ":",
                  rf.nestedChecksum().algorithm(), rf.nestedChecksum().hex(), actual);
            }
          }
          extractAtomically(nested, folder);
        }
      }
    }
  }

  /**
   * Extracts into a hidden temporary folder next to the destination, then moves each top-level entry into
   * {@code folder} with an atomic rename: an interrupted or refused extraction leaves nothing visible.
   */
  public static void extractAtomically(Path archive, Path folder) {
    Path tmp;
    try {
      Files.createDirectories(folder);
      tmp = Files.createTempDirectory(folder, ".extract-");
    } catch (IOException e) {
      throw new DatasetException(folder, "cannot create a temporary folder: " + e, e);
    }
    try {
      ArchiveExtractor.extract(archive, tmp);
      try (Stream<Path> s = Files.list(tmp)) {
        for (Path child : s.toList()) {
          Path dest = folder.resolve(child.getFileName().toString());
          if (Files.exists(dest)) {
            deleteRecursively(dest);
          }
          Files.move(child, dest, StandardCopyOption.ATOMIC_MOVE);
        }
      }
    } catch (IOException e) {
      throw new DatasetException(archive, "cannot move extracted files into " + folder + ": " + e, e);
    } finally {
      deleteRecursively(tmp);
    }
  }

  /** The folder at or below {@code dir} (up to {@value #MAX_DEPTH} levels) that holds every file of the spec. */
  public static Optional<Path> findRoot(Path dir, DatasetSpec spec) {
    if (!Files.isDirectory(dir)) {
      return Optional.empty();
    }
    // A path that names the dataset's only required folder itself (e.g. .../101_ObjectCategories).
    if (spec.files().size() == 1 && spec.files().get(0).directory()
        && dir.getFileName() != null && dir.getFileName().toString().equals(spec.files().get(0).name())) {
      return Optional.of(dir.toAbsolutePath().getParent());
    }
    Deque<Path> queue = new ArrayDeque<>();
    Deque<Integer> depth = new ArrayDeque<>();
    queue.add(dir);
    depth.add(0);
    while (!queue.isEmpty()) {
      Path d = queue.poll();
      int k = depth.poll();
      if (holds(d, spec)) {
        return Optional.of(d);
      }
      if (k < MAX_DEPTH) {
        try (Stream<Path> s = Files.list(d)) {
          for (Path c : s.filter(Files::isDirectory).filter(c -> !c.getFileName().toString().startsWith("."))
              .sorted(Comparator.comparing(Path::toString)).toList()) {
            queue.add(c);
            depth.add(k + 1);
          }
        } catch (IOException e) {
          // Unreadable folder: not a candidate.
        }
      }
    }
    return Optional.empty();
  }

  private static boolean holds(Path dir, DatasetSpec spec) {
    return spec.files().stream().allMatch(f -> locate(dir, f).isPresent());
  }

  /** The file (as {@code name}, {@code name.gz}) or folder for {@code f} directly in {@code root}. */
  public static Optional<Path> locate(Path root, DataFile f) {
    if (f.directory()) {
      Path p = root.resolve(f.name());
      return Files.isDirectory(p) ? Optional.of(p) : Optional.empty();
    }
    for (String n : List.of(f.name(), f.name() + ".gz")) {
      Path p = root.resolve(n);
      if (Files.isRegularFile(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  private static List<String> missingNames(Path dir, DatasetSpec spec) {
    return spec.files().stream().filter(f -> !Files.isDirectory(dir) || locate(dir, f).isEmpty())
        .map(f -> f.directory() ? f.name() + "/" : f.name() + "[.gz]").toList();
  }

  private static Optional<Path> find(Path dir, String fileName) {
    try (Stream<Path> s = Files.walk(dir, MAX_DEPTH + 1)) {
      return s.filter(p -> p.getFileName().toString().equals(fileName)).findFirst();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  static void deleteRecursively(Path p) {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(q);
      }
    } catch (IOException e) {
      throw new DatasetException(p, "cannot delete: " + e, e);
    }
  }
}
