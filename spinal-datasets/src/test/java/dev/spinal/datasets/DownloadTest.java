package dev.spinal.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.spinal.datasets.download.Checksum;
import dev.spinal.datasets.download.Downloader;
import dev.spinal.datasets.io.Checksums;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Downloads against a local HTTP server on 127.0.0.1 (port chosen by the OS, stopped after each test). */
@Timeout(60)
class DownloadTest {
  @TempDir Path dir;
  HttpServer server;
  String base;
  final Map<String, byte[]> files = new ConcurrentHashMap<>();
  final List<String> ranges = new CopyOnWriteArrayList<>();
  final AtomicInteger requests = new AtomicInteger();
  final AtomicInteger drops = new AtomicInteger();
  byte[] payload;

  @BeforeEach
  void start() throws IOException {
    payload = new byte[300_000];
    for (int i = 0; i < payload.length; i++) {
      payload[i] = (byte) (i * 31 + (i >> 9));
    }
    files.put("data.bin", payload);
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/ok/", ex -> serve(ex, false));
    server.createContext("/norange/", ex -> serve(ex, true));
    server.createContext("/slow/", ex -> {
      try {
        Thread.sleep(400); // long enough for a second download to start while this one runs
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      serve(ex, false);
    });
    server.createContext("/err/", ex -> {
      requests.incrementAndGet();
      ex.sendResponseHeaders(500, -1);
      ex.close();
    });
    server.createContext("/missing/", ex -> {
      requests.incrementAndGet();
      ex.sendResponseHeaders(404, -1);
      ex.close();
    });
    server.start();
    base = "http://127.0.0.1:" + server.getAddress().getPort();
    dropping = new DroppingServer();
    dropBase = "http://127.0.0.1:" + dropping.socket.getLocalPort();
  }

  @AfterEach
  void stop() throws IOException {
    server.stop(0);
    dropping.close();
  }

  DroppingServer dropping;
  String dropBase;

  /**
   * A bare HTTP/1.1 server whose first response announces the full length, sends half the body and closes the
   * socket (a dropped connection); later requests are served normally, honouring Range.
   */
  final class DroppingServer implements AutoCloseable {
    final ServerSocket socket = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
    final Thread thread = new Thread(this::loop, "dropping-server");

    DroppingServer() throws IOException {
      thread.setDaemon(true);
      thread.start();
    }

    void loop() {
      while (!socket.isClosed()) {
        try (Socket c = socket.accept()) {
          requests.incrementAndGet();
          BufferedReader in = new BufferedReader(new InputStreamReader(c.getInputStream(),
              StandardCharsets.ISO_8859_1));
          String path = in.readLine().split(" ")[1];
          String range = null;
          for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("range:")) {
              range = line.substring(6).trim();
              ranges.add(range);
            }
          }
          byte[] body = files.get(path.substring(path.lastIndexOf('/') + 1));
          OutputStream out = c.getOutputStream();
          if (body == null) {
            out.write("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                .getBytes(StandardCharsets.ISO_8859_1));
            continue;
          }
          int from = range == null ? 0 : Integer.parseInt(range.replaceAll("bytes=(\\d+)-", "$1"));
          String head = range == null ? "HTTP/1.1 200 OK\r\n"
              : "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes " + from + "-" + (body.length - 1) + "/"
                  + body.length + "\r\n";
          out.write((head + "Content-Length: " + (body.length - from) + "\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.ISO_8859_1));
          boolean drop = drops.getAndIncrement() == 0;
          out.write(body, from, drop ? (body.length - from) / 2 : body.length - from);
          out.flush();
        } catch (IOException e) {
          // closed
        }
      }
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  /** Serves /x/name with Range support, unless {@code ignoreRange}. */
  void serve(HttpExchange ex, boolean ignoreRange) throws IOException {
    requests.incrementAndGet();
    String path = ex.getRequestURI().getPath();
    byte[] body = files.get(path.substring(path.lastIndexOf('/') + 1));
    if (body == null) {
      ex.sendResponseHeaders(404, -1);
      ex.close();
      return;
    }
    String range = ex.getRequestHeaders().getFirst("Range");
    if (range != null) {
      ranges.add(range);
    }
    int from = 0;
    if (range != null && !ignoreRange) {
      from = Integer.parseInt(range.replaceAll("bytes=(\\d+)-", "$1"));
      ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (body.length - 1) + "/" + body.length);
      ex.sendResponseHeaders(206, body.length - from);
    } else {
      ex.sendResponseHeaders(200, body.length);
    }
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body, from, body.length - from);
    } finally {
      ex.close();
    }
  }

  Checksum good() {
    return Checksum.sha256(Checksums.of(payload, "SHA-256"), "test");
  }

  Downloader downloader() {
    return new Downloader(3, Duration.ofMillis(10), false, Duration.ofSeconds(5));
  }

  @Test
  void success() throws IOException {
    Path target = dir.resolve("c/data.bin");
    Downloader.Result r = downloader().download(List.of(base + "/ok/data.bin"), target, payload.length, good());
    assertThat(r.verified()).isTrue();
    assertThat(Files.readAllBytes(target)).isEqualTo(payload);
    assertThat(listing(dir.resolve("c"))).containsExactly("data.bin");
  }

  @Test
  void resumesAfterADroppedConnection() throws IOException {
    Path target = dir.resolve("data.bin");
    downloader().download(List.of(dropBase + "/drop/data.bin"), target, payload.length, good());
    assertThat(Files.readAllBytes(target)).isEqualTo(payload);
    assertThat(drops.get()).isEqualTo(2);
    assertThat(ranges).hasSize(1);
    long resumedAt = Long.parseLong(ranges.get(0).replaceAll("bytes=(\\d+)-", "$1"));
    assertThat(resumedAt).isGreaterThan(0).isLessThan(payload.length);
    assertThat(Files.exists(dir.resolve("data.bin.part"))).isFalse();
  }

  @Test
  void resumesAPartFileLeftByAnEarlierRunAndRestartsIfRangesAreIgnored() throws IOException {
    Path target = dir.resolve("data.bin");
    Fixtures.write(dir.resolve("data.bin.part"), java.util.Arrays.copyOf(payload, 1000));
    downloader().download(List.of(base + "/ok/data.bin"), target, payload.length, good());
    assertThat(ranges).containsExactly("bytes=1000-");
    assertThat(Files.readAllBytes(target)).isEqualTo(payload);

    Files.delete(target);
    Fixtures.write(dir.resolve("data.bin.part"), new byte[1000]); // wrong bytes, but the server sends all
    downloader().download(List.of(base + "/norange/data.bin"), target, payload.length, good());
    assertThat(Files.readAllBytes(target)).isEqualTo(payload);
  }

  @Test
  void checksumMismatchLeavesNothing() {
    Path target = dir.resolve("data.bin");
    Checksum wrong = Checksum.sha256("00".repeat(32), "test");
    assertThatThrownBy(() -> downloader().download(List.of(base + "/ok/data.bin"), target, payload.length, wrong))
        .isInstanceOf(ChecksumMismatchException.class).hasMessageContaining("data.bin")
        .hasMessageContaining("SHA-256").hasMessageContaining("deleted");
    assertThat(listing(dir)).isEmpty();
  }

  @Test
  void serverErrorIsRetriedThenReported() {
    Path target = dir.resolve("data.bin");
    assertThatThrownBy(() -> downloader().download(List.of(base + "/err/data.bin"), target, -1, good()))
        .isInstanceOf(DatasetException.class).hasMessageContaining("HTTP 500")
        .hasMessageContaining(base + "/err/data.bin");
    assertThat(requests.get()).isEqualTo(3);
    assertThat(listing(dir)).isEmpty();
  }

  @Test
  void notFoundFallsBackToTheNextMirror() throws IOException {
    Path target = dir.resolve("data.bin");
    Downloader.Result r = downloader().download(List.of(base + "/missing/data.bin", base + "/ok/data.bin"), target,
        -1, good());
    assertThat(r.verified()).isTrue();
    assertThat(requests.get()).isEqualTo(2);
    assertThat(Files.readAllBytes(target)).isEqualTo(payload);
  }

  @Test
  void wrongSizeIsRejected() {
    Path target = dir.resolve("data.bin");
    assertThatThrownBy(() -> downloader().download(List.of(base + "/ok/data.bin"), target, payload.length + 1,
        null)).hasMessageContaining("registry expects " + (payload.length + 1));
    assertThat(Files.exists(target)).isFalse();
  }

  // ------------------------------------------------------------------------- through Datasets.load

  @Test
  void offlineWithNothingFoundNamesTheFilesAndHowToGetThem() {
    DataOptions o = DataOptions.builder().cacheDir(dir).allowDownload(false).systemLocations(List.of()).build();
    assertThatThrownBy(() -> Datasets.load("fashion-mnist", o)).isInstanceOf(DataNotFoundException.class)
        .hasMessageContaining("train-images-idx3-ubyte").hasMessageContaining("t10k-labels-idx1-ubyte")
        .hasMessageContaining("apt-get install dataset-fashion-mnist")
        .hasMessageContaining(dir.resolve("fashion-mnist").toString());
    assertThatThrownBy(() -> Datasets.load("bird225", o.toBuilder().allowDownload(true).build()))
        .isInstanceOf(DataNotFoundException.class).hasMessageContaining("kaggle.com")
        .hasMessageContaining("cannot be downloaded automatically");
  }

  @Test
  void mnistDownloadWithWrongChecksumLeavesNoValidFileInTheCache() {
    Fixtures.writeMnistLike(dir.resolve("served"), "train-", "t10k-", 10, 10, 0);
    try (Stream<Path> s = Files.list(dir.resolve("served"))) {
      s.forEach(p -> files.put(p.getFileName().toString(), read(p)));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    Path cache = dir.resolve("cache");
    DataOptions o = DataOptions.builder().cacheDir(cache).systemLocations(List.of()).baseUrl(base + "/ok/")
        .progress(false).retries(2, Duration.ofMillis(5)).build();
    // Sizes differ from the registry's -> rejected before any checksum; nothing usable is left.
    assertThatThrownBy(() -> Datasets.load("mnist", o)).isInstanceOf(DatasetException.class)
        .hasMessageContaining("train-images-idx3-ubyte.gz");
    assertThat(listing(cache.resolve("mnist"))).noneMatch(n -> n.endsWith(".gz"));
    assertThatThrownBy(() -> Datasets.load("mnist", o.toBuilder().allowDownload(false).build()))
        .isInstanceOf(DataNotFoundException.class);
  }

  @Test
  void fruitsZipDownloadedExtractedAndLoaded() throws IOException {
    files.put("Fruit-Images-Dataset-master.zip", fruitsZip());
    Path cache = dir.resolve("cache");
    DataOptions o = DataOptions.builder().cacheDir(cache).baseUrl(dropBase + "/drop/").progress(false)
        .retries(3, Duration.ofMillis(5)).validationSize(0).imageSize(10, 10).build();
    DatasetSplits s = Datasets.load("fruits360", o);
    assertThat(s.info().source()).isEqualTo("download");
    assertThat(s.train().countsPerClass()).containsExactly(3, 3);
    assertThat(s.test().size()).isEqualTo(6);
    assertThat(ranges).hasSize(1); // the dropped first transfer was resumed
    // No temporary extraction folder or .part file is left behind; a second load comes from the cache.
    assertThat(listing(cache.resolve("fruits360"))).containsExactlyInAnyOrder("Fruit-Images-Dataset-master",
        "Fruit-Images-Dataset-master.zip");
    int before = requests.get();
    assertThat(Datasets.load("fruits360", o).info().source()).isEqualTo("cache");
    assertThat(requests.get()).isEqualTo(before);
  }

  /**
   * Two loads of a dataset that is not in the cache, started together (two trainings, or threads): one downloads, the
   * other waits for it and reads the cache; the archive is fetched once and both get the same splits.
   */
  @Test
  void twoLoadsAtOnceDownloadOnceAndBothSucceed() throws Exception {
    files.put("Fruit-Images-Dataset-master.zip", fruitsZip());
    Path cache = dir.resolve("cache");
    DataOptions o = DataOptions.builder().cacheDir(cache).baseUrl(base + "/slow/").progress(false)
        .retries(1, Duration.ofMillis(5)).validationSize(0).imageSize(10, 10).build();
    CyclicBarrier together = new CyclicBarrier(2);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<DatasetSplits>> loads = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        loads.add(pool.submit(() -> {
          together.await();
          return Datasets.load("fruits360", o);
        }));
      }
      List<String> sources = new ArrayList<>();
      for (var load : loads) {
        DatasetSplits s = load.get();
        assertThat(s.train().countsPerClass()).containsExactly(3, 3);
        sources.add(s.info().source());
      }
      assertThat(sources).containsExactlyInAnyOrder("download", "cache");
      assertThat(requests.get()).as("the archive fetched once").isEqualTo(1);
      assertThat(listing(cache.resolve("fruits360"))).containsExactlyInAnyOrder("Fruit-Images-Dataset-master",
          "Fruit-Images-Dataset-master.zip");
    } finally {
      pool.shutdownNow();
    }
  }

  /** A Fruits-360 archive as upstream lays it out: Training/ and Test/, two classes of three 100x100 PNGs. */
  static byte[] fruitsZip() throws IOException {
    ByteArrayOutputStream zip = new ByteArrayOutputStream();
    try (ZipOutputStream z = new ZipOutputStream(zip)) {
      for (String split : List.of("Training", "Test")) {
        for (String c : List.of("Kiwi", "Lemon")) {
          for (int i = 0; i < 3; i++) {
            z.putNextEntry(new ZipEntry("Fruit-Images-Dataset-master/" + split + "/" + c + "/" + i + "_100.png"));
            ByteArrayOutputStream png = new ByteArrayOutputStream();
            javax.imageio.ImageIO.write(dev.spinal.testing.DatasetFixtures.image(100, 100, c.length()), "png", png);
            z.write(png.toByteArray());
            z.closeEntry();
          }
        }
      }
    }
    return zip.toByteArray();
  }

  private static byte[] read(Path p) {
    try {
      return Files.readAllBytes(p);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private static List<String> listing(Path d) {
    if (!Files.isDirectory(d)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(d)) {
      return s.map(p -> p.getFileName().toString()).toList();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
