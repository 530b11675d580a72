package dev.spinal.datasets;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * Runs seeded corruption cases against a reader: each case writes a valid set of files, corrupts one of them
 * ({@link Corruptions}), and loads. A case passes when the load returns, or fails with a {@link DatasetException}
 * whose message names the corrupted file. Anything else is a finding: another exception type, an error
 * ({@code OutOfMemoryError}, {@code StackOverflowError}), a load still running after {@link #TIMEOUT_SECONDS}, or
 * more than {@link #ALLOCATION_LIMIT} bytes allocated by one case (a length field trusted before it was checked
 * against the file: the files here are all under 300 KB).
 */
final class FuzzHarness {
  static final int TIMEOUT_SECONDS = 20;
  static final long ALLOCATION_LIMIT = 64L << 20;

  private static final ExecutorService WORKERS = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "fuzz-case");
    t.setDaemon(true); // a hung case must not keep the test JVM alive
    return t;
  });
  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  /** Cases per format, for the summary: format -> [cases, loaded, refused, findings]. */
  static final Map<String, long[]> TALLY = new LinkedHashMap<>();

  private FuzzHarness() {}

  /** What to corrupt: a file of the set, at the layer {@code open} exposes (identity: its bytes as stored). */
  record Target(String file, String layer, UnaryOperator<byte[]> open, UnaryOperator<byte[]> close) {
    static Target raw(String file) {
      return new Target(file, "bytes", b -> b, b -> b);
    }

    /** The payload inside a gzip file, corrupted and compressed again (so the reader gets past the gzip CRC). */
    static Target gzipPayload(String file) {
      return new Target(file, "gzip payload", FuzzHarness::gunzip, Fixtures::gzip);
    }
  }

  /** Loads the files under {@code root}; its result is only counted. */
  interface Loader {
    /** {@code index}: the case (-1 for the valid files), for loaders that vary their options from case to case. */
    Object load(Path root, int index) throws Exception;
  }

  /** Checks after a refused load (e.g. that nothing half-extracted is left); returns a problem or null. */
  interface AfterRefusal {
    String check(Path root);
  }

  /**
   * Runs {@code cases} cases of {@code format} with seed {@code seed} in {@code work}: case {@code i} corrupts
   * {@code targets[i % targets.size()]} with {@code new Random(seed * 1_000_003 + i)}. The valid files load first
   * (else the cases would test nothing). Returns the findings, one line each (a case is replayed from its index).
   */
  static List<String> run(String format, Path work, long seed, int cases, Map<String, byte[]> files,
      List<Target> targets, Loader loader, AfterRefusal after) {
    List<String> findings = new ArrayList<>();
    long[] tally = TALLY.computeIfAbsent(format, k -> new long[4]);
    Path root = work.resolve("files");
    write(root, files);
    String cleanResult = attempt(loader, root, -1, null);
    if (cleanResult != null) {
      findings.add(format + ": the valid files do not load: " + cleanResult);
      return findings;
    }
    for (int i = 0; i < cases; i++) {
      removeAllBut(root, files.keySet());
      Random r = new Random(seed * 1_000_003 + i);
      Target t = targets.get(i % targets.size());
      Corruptions.Corrupted c = Corruptions.corrupt(t.open().apply(files.get(t.file())), r);
      // only the corrupted file is rewritten, and restored after the case: the others stay valid on disk
      Fixtures.write(root.resolve(t.file()), t.close().apply(c.bytes()));
      String name = Path.of(t.file()).getFileName().toString();
      String outcome = attempt(loader, root, i, name);
      tally[0]++;
      if (outcome == null) {
        tally[1]++;
      } else if (outcome.startsWith("refused")) {
        tally[2]++;
        String problem = after == null ? null : after.check(root);
        if (problem != null) {
          tally[3]++;
          findings.add(describe(format, i, seed, t, c) + ": " + problem);
        }
      } else {
        tally[3]++;
        findings.add(describe(format, i, seed, t, c) + ": " + outcome);
      }
      Fixtures.write(root.resolve(t.file()), files.get(t.file()));
    }
    delete(root);
    return findings;
  }

  /** Deletes what a load left under {@code root} (e.g. extracted files), keeping {@code keep} and their folders. */
  static void removeAllBut(Path root, Set<String> keep) {
    Set<Path> kept = new HashSet<>();
    for (String k : keep) {
      for (Path p = root.resolve(k); p != null && p.startsWith(root); p = p.getParent()) {
        kept.add(p);
      }
    }
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        if (!kept.contains(p)) {
          Files.delete(p);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String describe(String format, int i, long seed, Target t, Corruptions.Corrupted c) {
    return format + " case " + i + " (seed " + seed + ", " + t.file() + ", " + t.layer() + "): " + c.description();
  }

  /** Null when the load returned; "refused: ..." for a DatasetException naming {@code file}; else the finding. */
  private static String attempt(Loader loader, Path root, int index, String file) {
    long[] ids = THREADS.getAllThreadIds();
    long before = allocated(ids);
    Future<Object> f = WORKERS.submit(() -> loader.load(root, index));
    Throwable error = null;
    try {
      f.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      f.cancel(true);
      return "still running after " + TIMEOUT_SECONDS + " s (a hang?)";
    } catch (ExecutionException e) {
      error = e.getCause();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    long used = allocated(THREADS.getAllThreadIds()) - before;
    if (used > ALLOCATION_LIMIT) {
      return "allocated " + (used >> 20) + " MB" + (error == null ? "" : " and then threw " + summary(error));
    }
    if (error == null) {
      return null;
    }
    if (!(error instanceof DatasetException)) {
      return "threw " + summary(error);
    }
    String message = String.valueOf(error.getMessage());
    if (file != null && !message.contains(file)) {
      return "a DatasetException that does not name " + file + ": " + message;
    }
    return "refused: " + message;
  }

  private static String summary(Throwable e) {
    StringBuilder s = new StringBuilder(e.toString());
    StackTraceElement[] trace = e.getStackTrace();
    for (int k = 0; k < Math.min(4, trace.length); k++) {
      s.append(" at ").append(trace[k]);
    }
    return s.toString();
  }

  /** Bytes allocated so far by the given threads (threads started later count from zero). */
  private static long allocated(long[] ids) {
    long sum = 0;
    for (long a : THREADS.getThreadAllocatedBytes(ids)) {
      sum += Math.max(0, a);
    }
    return sum;
  }

  /** One line per format: cases, loaded, refused, findings. */
  static String summaryTable() {
    StringBuilder s = new StringBuilder(String.format("%-28s %7s %7s %7s %8s%n", "corrupted-file fuzz: format",
        "cases", "loaded", "refused", "findings"));
    long[] total = new long[4];
    TALLY.forEach((format, t) -> {
      s.append(String.format("%-28s %7d %7d %7d %8d%n", format, t[0], t[1], t[2], t[3]));
      for (int k = 0; k < 4; k++) {
        total[k] += t[k];
      }
    });
    s.append(String.format("%-28s %7d %7d %7d %8d%n", "total", total[0], total[1], total[2], total[3]));
    return s.toString();
  }

  static void write(Path root, Map<String, byte[]> files) {
    files.forEach((name, bytes) -> Fixtures.write(root.resolve(name), bytes));
  }

  static void delete(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static byte[] gunzip(byte[] gz) {
    try (var in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(gz))) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
