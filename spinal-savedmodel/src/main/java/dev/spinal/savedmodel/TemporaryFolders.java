package dev.spinal.savedmodel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Folders written under a temporary name beside their target and renamed into place when complete (exports,
 * checkpoints), so that a reader never sees half of one. The temporary name is {@code .<kind>-<pid>-<random>}: a
 * process that is killed or stopped by Ctrl-C while writing (the JVM runs no {@code finally} then) leaves its
 * temporary behind, and the next writer removes the ones whose process is no longer running
 * ({@link #removeStale}) while leaving those of a live process alone. Hidden (a leading dot) and not numeric, a
 * temporary is never taken for an export version or a checkpoint.
 */
public final class TemporaryFolders {
  private TemporaryFolders() {}

  /**
   * Creates an empty folder {@code parent/.<kind>-<pid>-<random>} ({@code parent} is created if needed), readable by
   * all ({@code rwxr-xr-x}) as an ordinary folder would be: Java makes temporaries private, and a renamed export
   * would stay so, unreadable by a TensorFlow Serving that runs as another user.
   */
  public static Path create(Path parent, String kind) throws IOException {
    Files.createDirectories(parent);
    Path dir = Files.createTempDirectory(parent, "." + kind + "-" + ProcessHandle.current().pid() + "-");
    readableByAll(dir, "rwxr-xr-x");
    return dir;
  }

  /**
   * Creates an empty file {@code parent/<prefix><random><suffix>} to be written and renamed into place, readable by
   * all ({@code rw-r--r--}) as an ordinary file would be (Java makes temporary files private).
   */
  public static Path createFile(Path parent, String prefix, String suffix) throws IOException {
    Path file = Files.createTempFile(parent, prefix, suffix);
    readableByAll(file, "rw-r--r--");
    return file;
  }

  private static void readableByAll(Path path, String permissions) throws IOException {
    if (Files.getFileAttributeView(path, PosixFileAttributeView.class) != null) { // not on Windows
      Set<PosixFilePermission> p = PosixFilePermissions.fromString(permissions);
      Files.setPosixFilePermissions(path, p);
    }
  }

  /**
   * The process that wrote temporary folder {@code name} of {@code kind}, if the name says (empty for another name,
   * or one written before the process id was part of it).
   */
  static Optional<Long> writer(String name, String kind) {
    String prefix = "." + kind + "-";
    if (!name.startsWith(prefix)) {
      return Optional.empty();
    }
    int dash = name.indexOf('-', prefix.length());
    try {
      return dash < 0 ? Optional.empty() : Optional.of(Long.parseLong(name.substring(prefix.length(), dash)));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** Whether {@code folder} is a temporary of {@code kind} that no running process is writing. */
  public static boolean isStale(Path folder, String kind) {
    String name = folder.getFileName().toString();
    if (!name.startsWith("." + kind + "-")) {
      return false;
    }
    // a name without a process id is from an older version of Spinal, which no one is writing any more
    return writer(name, kind).map(pid -> pid != ProcessHandle.current().pid()
        && ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true)).orElse(true);
  }

  /**
   * Deletes the temporaries of {@code kind} in {@code parent} left by processes that are gone; returns what was
   * deleted. The current process's own are kept (they may be being written).
   */
  public static List<Path> removeStale(Path parent, String kind) throws IOException {
    List<Path> removed = new ArrayList<>();
    if (!Files.isDirectory(parent)) {
      return removed;
    }
    List<Path> all;
    try (Stream<Path> s = Files.list(parent)) {
      all = s.filter(p -> isStale(p, kind)).toList();
    }
    for (Path p : all) {
      deleteTree(p);
      removed.add(p);
    }
    return removed;
  }

  /** Deletes {@code root} and everything under it (nothing if it does not exist). */
  public static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
