package dev.spinal.datasets;

import static dev.spinal.datasets.Fixtures.gzip;
import static dev.spinal.datasets.Fixtures.idx;
import static org.assertj.core.api.Assertions.assertThat;

import dev.spinal.datasets.FuzzHarness.Target;
import dev.spinal.datasets.download.Resolver;
import dev.spinal.datasets.io.NpzWriter;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import javax.imageio.ImageIO;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded corruptions (truncation, bit and byte flips, insertions, deletions, overwritten length fields) of valid
 * small files in every upstream format Spinal reads: IDX raw and gzipped (a user's own and the registry's MNIST and
 * QMNIST), STL-10 binary, PNG and JPEG in an image folder, a CSV list, {@code .npy} files and {@code .npz} archives,
 * and the tar, tar.gz and zip archives downloads are extracted from. Every case must load or fail with a
 * {@link DatasetException} naming the corrupted file: no other exception, no hang, no allocation beyond
 * {@link FuzzHarness#ALLOCATION_LIMIT}. Compressed files are corrupted both as stored and inside (the payload
 * corrupted and compressed again), since a checksum stops most corruptions of the stored bytes before the parser
 * sees them. The summary (cases, loaded, refused per format) is printed at the end.
 */
class CorruptedFilesFuzzTest {
  static final long SEED = 20_240_601L;
  static final String[] IDX_NAMES = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
      "t10k-labels-idx1-ubyte"};

  @TempDir static Path work;

  @AfterAll
  static void printSummary() {
    System.out.print(FuzzHarness.summaryTable());
  }

  static DataOptions.Builder options() {
    return DataOptions.builder().seed(3).verifyChecksums(false);
  }

  /** MNIST's four files, 12 train and 4 test images of 28x28, labels i % 3. */
  static Map<String, byte[]> idxFiles(boolean gz) {
    Map<String, byte[]> files = new LinkedHashMap<>();
    int[] counts = {12, 12, 4, 4};
    for (int k = 0; k < 4; k++) {
      int n = counts[k];
      byte[] data = k % 2 == 0 ? idx(8, new int[] {n, 28, 28}, UserFixtures.grayPixels(n, 28, 28, 3))
          : idx(8, new int[] {n}, UserFixtures.labels(n, 3));
      files.put(IDX_NAMES[k] + (gz ? ".gz" : ""), gz ? gzip(data) : data);
    }
    return files;
  }

  static List<Target> raw(Map<String, byte[]> files) {
    return files.keySet().stream().map(Target::raw).toList();
  }

  @Test
  void idxRaw() {
    Map<String, byte[]> files = idxFiles(false);
    // even cases: a user's own IDX folder (IdxSource); odd: the registry's MNIST loader on the same files
    expectNoFindings(FuzzHarness.run("IDX raw", work.resolve("idx-raw"), SEED, 400, files, raw(files),
        (root, i) -> i % 2 == 0 ? IdxSource.inFolder(root).load(options().build())
            : Datasets.load("mnist", options().path(root).build()), null));
  }

  @Test
  void idxGzip() {
    Map<String, byte[]> files = idxFiles(true);
    List<Target> targets = new ArrayList<>();
    for (String name : files.keySet()) {
      targets.add(Target.raw(name));
      targets.add(Target.gzipPayload(name));
    }
    expectNoFindings(FuzzHarness.run("IDX gzip", work.resolve("idx-gz"), SEED, 400, files, targets,
        (root, i) -> i % 4 < 2 ? IdxSource.inFolder(root).load(options().build())
            : Datasets.load("mnist", options().path(root).build()), null));
  }

  @Test
  void qmnistIntTables() {
    Map<String, byte[]> files = new LinkedHashMap<>();
    for (String split : new String[] {"train", "test"}) {
      int n = split.equals("train") ? 12 : 4;
      int[] table = new int[n * 8];
      for (int i = 0; i < n; i++) {
        table[i * 8] = i % 10;
        table[i * 8 + 1] = 4;
        table[i * 8 + 2] = 1000 + i;
      }
      files.put("qmnist-" + split + "-images-idx3-ubyte", idx(8, new int[] {n, 28, 28},
          UserFixtures.grayPixels(n, 28, 28, 10)));
      files.put("qmnist-" + split + "-labels-idx2-int", Fixtures.idxInts(new int[] {n, 8}, table));
    }
    expectNoFindings(FuzzHarness.run("IDX int32 (QMNIST)", work.resolve("qmnist"), SEED, 200, files, raw(files),
        (root, i) -> Datasets.load("qmnist", options().path(root).build()), null));
  }

  @Test
  void stl10Binary() {
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put("stl10_binary/train_X.bin", dev.spinal.testing.DatasetFixtures.stl10Images(6));
    files.put("stl10_binary/train_y.bin", dev.spinal.testing.DatasetFixtures.stl10Labels(6));
    files.put("stl10_binary/test_X.bin", dev.spinal.testing.DatasetFixtures.stl10Images(3));
    files.put("stl10_binary/test_y.bin", dev.spinal.testing.DatasetFixtures.stl10Labels(3));
    expectNoFindings(FuzzHarness.run("STL-10 binary", work.resolve("stl10"), SEED, 200, files, raw(files),
        (root, i) -> Datasets.load("stl10", options().path(root).validationSize(1).build()), null));
  }

  /** Two classes of four 12x10 images each, in {@code format} ("png" or "jpg"). */
  static Map<String, byte[]> imageTree(String prefix, String format) {
    Map<String, byte[]> files = new LinkedHashMap<>();
    for (int k = 0; k < 2; k++) {
      for (int i = 0; i < 4; i++) {
        files.put(prefix + (k == 0 ? "cat" : "dog") + "/img" + i + "." + format,
            encode(UserFixtures.rgb(k, i, 12, 10), format));
      }
    }
    return files;
  }

  static byte[] encode(BufferedImage img, String format) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      if (!ImageIO.write(img, format, out)) {
        throw new IllegalStateException("no ImageIO writer for " + format);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** The image-folder reader, varied by case: the first image's own size or a given one, bad files refused or skipped. */
  static Object loadImageFolder(Path root, int i) {
    DataOptions.Builder o = options();
    if (i % 2 == 1) {
      o.imageSize(8, 8);
    }
    if (i % 3 == 2) {
      o.skipBadFiles(true);
    }
    return ImageFolderSource.of(root).load(o.build());
  }

  @Test
  void pngImageFolder() {
    Map<String, byte[]> files = imageTree("", "png");
    expectNoFindings(FuzzHarness.run("PNG (image folder)", work.resolve("png"), SEED, 400, files, raw(files),
        CorruptedFilesFuzzTest::loadImageFolder, null));
  }

  @Test
  void jpegImageFolder() {
    Map<String, byte[]> files = imageTree("", "jpg");
    expectNoFindings(FuzzHarness.run("JPEG (image folder)", work.resolve("jpeg"), SEED, 300, files, raw(files),
        CorruptedFilesFuzzTest::loadImageFolder, null));
  }

  @Test
  void csvList() {
    Map<String, byte[]> files = new LinkedHashMap<>(imageTree("img/", "png"));
    StringBuilder csv = new StringBuilder("path,label\n");
    files.keySet().forEach(p -> csv.append('"').append(p).append("\",").append(p.contains("cat") ? "cat" : "dog")
        .append('\n'));
    files.put("labels.csv", csv.toString().getBytes(StandardCharsets.UTF_8));
    expectNoFindings(FuzzHarness.run("CSV (CsvSource)", work.resolve("csv"), SEED, 250, files,
        List.of(Target.raw("labels.csv")),
        (root, i) -> CsvSource.of(root.resolve("labels.csv")).load(options().imageSize(8, 8).build()), null));
  }

  /** keras.datasets' arrays: x (n, 8, 8) or (n, 8, 8, 3) uint8, y int64 (train) and uint8 (test). */
  static Map<String, byte[]> npyArrays() {
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put("x_train.npy", npy("|u1", new long[] {12, 8, 8}, UserFixtures.grayPixels(12, 8, 8, 3)));
    java.nio.ByteBuffer y = java.nio.ByteBuffer.allocate(12 * 8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    for (long l : UserFixtures.longLabels(12, 3)) {
      y.putLong(l);
    }
    files.put("y_train.npy", npy("<i8", new long[] {12}, y.array()));
    files.put("x_test.npy", npy("|u1", new long[] {4, 8, 8}, UserFixtures.grayPixels(4, 8, 8, 3)));
    files.put("y_test.npy", npy("|u1", new long[] {4}, UserFixtures.labels(4, 3)));
    return files;
  }

  static byte[] npy(String descr, long[] shape, byte[] data) {
    try {
      Path tmp = Files.createTempFile(work, "array", ".npy");
      NpzWriter.writeNpy(tmp, descr, shape, data);
      byte[] bytes = Files.readAllBytes(tmp);
      Files.delete(tmp);
      return bytes;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void npyFiles() {
    Map<String, byte[]> files = npyArrays();
    expectNoFindings(FuzzHarness.run(".npy files (NumpySource)", work.resolve("npy"), SEED, 300, files,
        raw(files), (root, i) -> NumpySource.of(root).load(options().build()), null));
  }

  @Test
  void npzArchive() {
    Map<String, byte[]> arrays = npyArrays();
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put("stored.npz", zip(arrays, ZipEntry.STORED));
    files.put("deflated.npz", zip(arrays, ZipEntry.DEFLATED));
    List<Target> targets = new ArrayList<>();
    for (String npz : files.keySet()) {
      int method = npz.startsWith("stored") ? ZipEntry.STORED : ZipEntry.DEFLATED;
      targets.add(Target.raw(npz));
      for (String entry : arrays.keySet()) {
        // one array corrupted, the archive written again around it (valid zip, corrupt .npy)
        targets.add(new Target(npz, entry + " inside", zipped -> unzip(zipped).get(entry), bytes -> {
          Map<String, byte[]> changed = new LinkedHashMap<>(arrays);
          changed.put(entry, bytes);
          return zip(changed, method);
        }));
      }
    }
    expectNoFindings(FuzzHarness.run(".npz (NumpySource)", work.resolve("npz"), SEED, 300, files, targets,
        (root, i) -> {
          NumpySource.of(root.resolve("stored.npz")).load(options().build());
          return NumpySource.of(root.resolve("deflated.npz")).load(options().build());
        }, null));
  }

  static byte[] zip(Map<String, byte[]> entries, int method) {
    ByteArrayOutputStream bos = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(bos)) {
      for (Map.Entry<String, byte[]> e : entries.entrySet()) {
        ZipEntry entry = new ZipEntry(e.getKey());
        entry.setMethod(method);
        if (method == ZipEntry.STORED) {
          CRC32 crc = new CRC32();
          crc.update(e.getValue());
          entry.setSize(e.getValue().length);
          entry.setCompressedSize(e.getValue().length);
          entry.setCrc(crc.getValue());
        }
        zip.putNextEntry(entry);
        zip.write(e.getValue());
        zip.closeEntry();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bos.toByteArray();
  }

  static Map<String, byte[]> unzip(byte[] zipped) {
    Map<String, byte[]> out = new LinkedHashMap<>();
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zipped))) {
      ZipEntry e;
      while ((e = in.getNextEntry()) != null) {
        out.put(e.getName(), in.readAllBytes());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  /** What a dataset archive holds: a folder with a few files, one in a sub-folder. */
  static Map<String, byte[]> archiveContent() {
    Map<String, byte[]> content = new LinkedHashMap<>();
    content.put("data/train_y.bin", dev.spinal.testing.DatasetFixtures.stl10Labels(40));
    content.put("data/readme.txt", "a dataset\n".repeat(20).getBytes(StandardCharsets.UTF_8));
    content.put("data/cat/img0.png", encode(UserFixtures.rgb(0, 0, 12, 10), "png"));
    return content;
  }

  static byte[] tar(Map<String, byte[]> content) {
    ByteArrayOutputStream bos = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bos)) {
      TarArchiveEntry dir = new TarArchiveEntry("data/");
      tar.putArchiveEntry(dir);
      tar.closeArchiveEntry();
      for (Map.Entry<String, byte[]> e : content.entrySet()) {
        TarArchiveEntry entry = new TarArchiveEntry(e.getKey());
        entry.setSize(e.getValue().length);
        tar.putArchiveEntry(entry);
        tar.write(e.getValue());
        tar.closeArchiveEntry();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bos.toByteArray();
  }

  /** Extracts {@code archive} as a download is (into a temporary folder, moved into place when complete). */
  static Object extract(Path root, String archive) {
    Resolver.extractAtomically(root.resolve(archive), root.resolve("out"));
    return null;
  }

  /** A refused extraction leaves nothing visible in the destination. */
  static String nothingLeftIn(Path root) {
    Path out = root.resolve("out");
    if (!Files.exists(out)) {
      return null;
    }
    try (Stream<Path> s = Files.list(out)) {
      List<String> left = s.map(p -> p.getFileName().toString()).toList();
      return left.isEmpty() ? null : "refused, but left " + left + " in the destination";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void tarAndTarGzArchives() {
    byte[] tar = tar(archiveContent());
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put("a.tar", tar);
    files.put("b.tar.gz", gzip(tar));
    List<Target> targets = List.of(Target.raw("a.tar"), Target.raw("b.tar.gz"), Target.gzipPayload("b.tar.gz"));
    expectNoFindings(FuzzHarness.run("tar, tar.gz archives", work.resolve("tar"), SEED, 300, files, targets,
        (root, i) -> extract(root, i % 3 == 0 ? "a.tar" : "b.tar.gz"), CorruptedFilesFuzzTest::nothingLeftIn));
  }

  @Test
  void zipArchives() {
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put("a.zip", zip(archiveContent(), ZipEntry.DEFLATED));
    files.put("b.zip", zip(archiveContent(), ZipEntry.STORED));
    expectNoFindings(FuzzHarness.run("zip archives", work.resolve("zip"), SEED, 300, files, raw(files),
        (root, i) -> extract(root, i % 2 == 0 ? "a.zip" : "b.zip"), CorruptedFilesFuzzTest::nothingLeftIn));
  }

  static void expectNoFindings(List<String> findings) {
    assertThat(findings).as("corrupted files that neither loaded nor failed with a DatasetException naming the"
        + " file (%d findings)", findings.size()).isEmpty();
  }
}
