package dev.spinal.datasets;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A summary of a loaded dataset for {@code spinal data inspect}: where it was found, each file's checksum status,
 * split sizes, image shape, classes and per-class counts.
 *
 * <p>{@code name} is the registry key ({@code fashion-mnist}) or, for a user's own data, the file or folder name;
 * {@code id} is null for a user's own data ({@link DataSource}), whose {@code source} says what kind of source it
 * was (e.g. {@code image folder (train/ val/ test/)}). {@code skippedFiles} are the image files left out because
 * they could not be decoded ({@link DataOptions#skipBadFiles()}).
 */
public record DatasetInfo(String name, DatasetId id, Path root, String source, List<FileCheck> files, int height,
    int width, int channels, List<String> classNames, long[] trainCounts, long[] validationCounts,
    long[] testCounts, List<Path> skippedFiles) {

  /** Result of checking one file against the registry. */
  public enum ChecksumStatus {
    /** The digest matched the published value. */
    VERIFIED,
    /**
     * No published value is known for this file in this form (e.g. a recompressed copy of an MD5-listed .gz, or a
     * user's own file).
     */
    UNKNOWN,
    /** Verification was turned off ({@link DataOptions.Builder#verifyChecksums}). */
    SKIPPED
  }

  /** One file's check: a mismatch never gets here, it throws {@link ChecksumMismatchException}. */
  public record FileCheck(String name, Path path, ChecksumStatus status, String algorithm, String digest,
      String note) {}

  public long trainSize() {
    return Arrays.stream(trainCounts).sum();
  }

  public long validationSize() {
    return Arrays.stream(validationCounts).sum();
  }

  public long testSize() {
    return Arrays.stream(testCounts).sum();
  }

  /** A multi-line, human-readable summary. */
  public String summary() {
    StringBuilder sb = new StringBuilder();
    sb.append(name).append(" from ").append(root).append(" (").append(source).append(")\n");
    sb.append(String.format(Locale.ROOT, "  images   %dx%dx%d (HxWxC, uint8)%n", height, width, channels));
    sb.append(String.format(Locale.ROOT, "  splits   train %d, validation %d, test %d%n", trainSize(),
        validationSize(), testSize()));
    sb.append("  classes  ").append(classNames.size()).append(": ")
        .append(classNames.size() <= 12 ? String.join(", ", classNames)
            : String.join(", ", classNames.subList(0, 12)) + ", ...")
        .append('\n');
    sb.append("  per class (train/validation/test):\n");
    for (int k = 0; k < classNames.size(); k++) {
      sb.append(String.format(Locale.ROOT, "    %3d %-24s %7d %7d %7d%n", k, classNames.get(k), trainCounts[k],
          validationCounts[k], testCounts[k]));
    }
    if (!skippedFiles.isEmpty()) {
      sb.append("  skipped  ").append(skippedFiles.size()).append(" files that are not decodable images, e.g. ")
          .append(skippedFiles.get(0)).append('\n');
    }
    sb.append("  files:\n");
    for (FileCheck f : files) {
      sb.append(String.format(Locale.ROOT, "    %-34s %-8s %s%s%n", f.name(), f.status(),
          f.algorithm() == null ? "" : f.algorithm() + " " + f.digest(), f.note() == null ? "" : "  " + f.note()));
    }
    return sb.toString();
  }
}
