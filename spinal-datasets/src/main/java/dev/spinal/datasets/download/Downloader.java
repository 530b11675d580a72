package dev.spinal.datasets.download;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import dev.spinal.datasets.ChecksumMismatchException;
import dev.spinal.datasets.DatasetException;
import dev.spinal.datasets.io.Checksums;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Downloads one file over HTTP(S) ({@link HttpURLConnection}, for its read timeout) so that a partial or corrupt download is never mistaken for a good one.
 *
 * <ul>
 *   <li>Bytes go to {@code <target>.part}; only after the size and checksum check out is it renamed to
 *       {@code target} with an atomic move. A crash or a dropped connection leaves only the {@code .part} file,
 *       which no loader reads.</li>
 *   <li>A {@code .part} left by an interrupted run, or by a connection dropped mid-transfer, is resumed with an
 *       HTTP {@code Range} request; a server that ignores ranges (200 instead of 206) restarts it from zero.</li>
 *   <li>Network errors, connections silent for longer than the read timeout, and 5xx/408/429 responses are retried with exponential back-off; other 4xx move to the
 *       next mirror. When every URL has failed, the exception lists each URL and its last error.</li>
 *   <li>A checksum mismatch deletes the {@code .part} file and fails at once (the bytes arrived, they are wrong:
 *       retrying the same URL would not help).</li>
 *   <li>With {@code progress}, a progress bar is drawn on stderr.</li>
 * </ul>
 */
public final class Downloader {
  private static final Logger LOG = LoggerFactory.getLogger(Downloader.class);
  private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");

  private final int attempts;
  private final Duration backoff;
  private final boolean progress;
  private final Duration readTimeout;

  /** Read timeout 60 s: a connection silent for that long counts as dropped, and is resumed. */
  public Downloader(int attempts, Duration backoff, boolean progress) {
    this(attempts, backoff, progress, Duration.ofSeconds(60));
  }

  public Downloader(int attempts, Duration backoff, boolean progress, Duration readTimeout) {
    this.attempts = attempts;
    this.backoff = backoff;
    this.progress = progress;
    this.readTimeout = readTimeout;
  }

  /** The outcome of a download: the file and whether its checksum was verified (false if none is known). */
  public record Result(Path file, boolean verified) {}

  /**
   * Fetches {@code urls} (tried in order) into {@code target}.
   *
   * @param expectedSize size in bytes, or -1 if unknown
   * @param checksum the published checksum, or null if none is known
   */
  public Result download(List<String> urls, Path target, long expectedSize, Checksum checksum) {
    Path part = target.resolveSibling(target.getFileName() + ".part");
    List<String> failures = new ArrayList<>();
    try {
      Files.createDirectories(target.toAbsolutePath().getParent());
    } catch (IOException e) {
      throw new DatasetException(target.getParent(), "cannot create folder: " + e, e);
    }
    for (String url : urls) {
      Duration pause = backoff;
      for (int attempt = 1; attempt <= attempts; attempt++) {
        try {
          Attempt a = fetchOnce(url, part, expectedSize);
          if (a.outcome() == Outcome.COMPLETE) {
            return finish(url, part, target, expectedSize, checksum);
          }
          failures.add(url + " (attempt " + attempt + "): " + a.message());
          if (a.outcome() == Outcome.FATAL) {
            break;
          }
        } catch (IOException e) {
          failures.add(url + " (attempt " + attempt + "): " + e);
          LOG.info("download of {} interrupted ({}); will resume", url, e.toString());
        }
        if (attempt < attempts) {
          sleep(pause);
          pause = pause.multipliedBy(2);
        }
      }
    }
    throw new DatasetException(target, "download failed from every URL; a partial file (if any) is kept as "
        + part.getFileName() + " for resuming, and is never loaded:\n  " + String.join("\n  ", failures));
  }

  private enum Outcome { COMPLETE, RETRY, FATAL }

  private record Attempt(Outcome outcome, String message) {
    static final Attempt DONE = new Attempt(Outcome.COMPLETE, "");
  }

  private Attempt fetchOnce(String url, Path part, long expectedSize) throws IOException {
    long have = Files.exists(part) ? Files.size(part) : 0;
    if (expectedSize >= 0 && have > expectedSize) {
      Files.delete(part);
      have = 0;
    }
    if (expectedSize >= 0 && have == expectedSize) {
      return Attempt.DONE;
    }
    HttpURLConnection conn = open(url, have);
    try {
      int status = conn.getResponseCode();
      boolean append;
      long total;
      if (status == 206) {
        String cr = conn.getHeaderField("Content-Range");
        Matcher m = CONTENT_RANGE.matcher(cr == null ? "" : cr);
        if (!m.matches() || Long.parseLong(m.group(1)) != have) {
          // A range we did not ask for: start over rather than splice mismatched bytes.
          Files.deleteIfExists(part);
          return new Attempt(Outcome.RETRY, "unexpected Content-Range " + cr);
        }
        append = true;
        total = m.group(3).equals("*") ? expectedSize : Long.parseLong(m.group(3));
      } else if (status == 200) {
        append = false;
        have = 0;
        long len = conn.getContentLengthLong();
        total = len >= 0 ? len : expectedSize;
      } else if (status == 416 && have > 0) {
        Files.deleteIfExists(part);
        return new Attempt(Outcome.RETRY, "HTTP 416 for a resume at byte " + have + "; restarting");
      } else if (status >= 500 || status == 408 || status == 429) {
        return new Attempt(Outcome.RETRY, "HTTP " + status);
      } else {
        return new Attempt(Outcome.FATAL, "HTTP " + status);
      }
      if (expectedSize >= 0 && total >= 0 && total != expectedSize) {
        return new Attempt(Outcome.FATAL,
            "server announces " + total + " bytes, the registry expects " + expectedSize);
      }
      long done = have;
      try (InputStream body = conn.getInputStream();
          OutputStream out = Files.newOutputStream(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
              append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING);
          ProgressBar bar = progressBar(part, total, done)) {
        byte[] buf = new byte[1 << 16];
        int n;
        try {
          while ((n = body.read(buf)) > 0) {
            out.write(buf, 0, n);
            done += n;
            if (bar != null) {
              bar.stepTo(done);
            }
          }
        } catch (IOException e) {
          // Dropped or stalled connection: what arrived stays in the .part file for the next attempt.
          return new Attempt(Outcome.RETRY, "connection lost after " + done + " of " + total + " bytes (" + e + ")");
        }
      }
      if (total >= 0 && done < total) {
        return new Attempt(Outcome.RETRY, "connection closed after " + done + " of " + total + " bytes");
      }
      return Attempt.DONE;
    } finally {
      conn.disconnect();
    }
  }

  /** Opens a GET, following up to 5 redirects (also http -> https, which HttpURLConnection does not do). */
  private HttpURLConnection open(String url, long from) throws IOException {
    String current = url;
    for (int hop = 0; hop < 6; hop++) {
      HttpURLConnection c = (HttpURLConnection) URI.create(current).toURL().openConnection();
      c.setInstanceFollowRedirects(false);
      c.setConnectTimeout((int) Duration.ofSeconds(30).toMillis());
      c.setReadTimeout((int) readTimeout.toMillis());
      c.setRequestProperty("User-Agent", "spinal-datasets");
      if (from > 0) {
        c.setRequestProperty("Range", "bytes=" + from + "-");
      }
      int status = c.getResponseCode();
      if (status >= 300 && status < 400 && c.getHeaderField("Location") != null) {
        current = URI.create(current).resolve(c.getHeaderField("Location")).toString();
        c.disconnect();
        continue;
      }
      return c;
    }
    throw new IOException("too many redirects from " + url);
  }

  private Result finish(String url, Path part, Path target, long expectedSize, Checksum checksum)
      throws IOException {
    long size = Files.size(part);
    if (expectedSize >= 0 && size != expectedSize) {
      Files.deleteIfExists(part);
      throw new DatasetException(target, "downloaded " + size + " bytes from " + url + " but the registry expects "
          + expectedSize + "; the partial file was deleted");
    }
    boolean verified = false;
    if (checksum != null) {
      String actual = Checksums.ofFile(part, checksum.algorithm());
      if (!checksum.matches(actual)) {
        Files.deleteIfExists(part);
        throw new ChecksumMismatchException(target, "download from " + url + ":", checksum.algorithm(),
            checksum.hex(), actual, "the downloaded file was deleted");
      }
      verified = true;
    } else {
      LOG.warn("{}: no published checksum; kept unverified", target.getFileName());
    }
    Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    return new Result(target, verified);
  }

  private ProgressBar progressBar(Path part, long total, long start) {
    if (!progress) {
      return null;
    }
    ProgressBar bar = new ProgressBarBuilder().setTaskName(part.getFileName().toString().replace(".part", ""))
        .setInitialMax(total > 0 ? total : -1).setStyle(ProgressBarStyle.ASCII).setUnit("MiB", 1 << 20)
        .showSpeed().setConsumer(new ConsoleProgressBarConsumer(System.err)).build();
    bar.stepTo(start);
    return bar;
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DatasetException("download interrupted", e);
    }
  }
}
