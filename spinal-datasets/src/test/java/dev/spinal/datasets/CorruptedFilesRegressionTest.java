package dev.spinal.datasets;

import static dev.spinal.datasets.Fixtures.gzip;
import static dev.spinal.datasets.Fixtures.idx;
import static dev.spinal.datasets.Fixtures.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spinal.datasets.download.Resolver;
import dev.spinal.datasets.io.IdxReader;
import dev.spinal.datasets.io.ImageFolderReader;
import dev.spinal.datasets.io.NpyReader;
import dev.spinal.datasets.io.NpzWriter;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The smallest inputs for each reader bug {@link CorruptedFilesFuzzTest} found (and two found while fixing them),
 * kept by name: a corrupt size field trusted before it was checked against the file (gigabytes allocated for a
 * 20-byte file), a corrupt label that made a billion class names, and a NUL byte in a path that escaped as
 * {@code InvalidPathException}. Each must now fail with a {@link DatasetException} naming the file, allocating
 * next to nothing.
 */
class CorruptedFilesRegressionTest {
  @TempDir Path dir;

  /** Bytes the current thread allocates while {@code call} runs (the readers here run on the caller's thread). */
  static long allocatedBy(ThrowingCallable call) {
    var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long before = threads.getCurrentThreadAllocatedBytes();
    try {
      call.call();
    } catch (Throwable ignored) {
      // the assertions look at the exception separately
    }
    return threads.getCurrentThreadAllocatedBytes() - before;
  }

  static final long FEW_MB = 8L << 20;

  @Test
  void idxLabelCountCorruptedToTwoBillionIsRefusedBeforeAllocating() {
    // fuzz case "IDX raw 487": two bytes inserted after the magic, the count became 1,857,028,096
    byte[] bad = idx(8, new int[] {12}, UserFixtures.labels(12, 3));
    ByteBuffer.wrap(bad).putInt(4, 1_857_028_096);
    Path file = write(dir.resolve("train-labels-idx1-ubyte"), bad);
    ThrowingCallable read = () -> IdxReader.readLabels(file, null);
    assertThatThrownBy(read).isInstanceOf(DatasetException.class)
        .hasMessage(file + ": truncated: the header announces dimensions [1857028096] (1857028096 bytes of data)"
            + " but only 12 bytes follow");
    assertThat(allocatedBy(read)).isLessThan(FEW_MB);
  }

  @Test
  void gzippedIdxHeaderAnnouncingMoreThanTheFileCanHoldIsRefusedBeforeAllocating() {
    // fuzz case "IDX gzip 45": the test images' count corrupted to 1,900,548 inside the gzip payload
    byte[] payload = idx(8, new int[] {4, 28, 28}, UserFixtures.grayPixels(4, 28, 28, 3));
    ByteBuffer.wrap(payload).putInt(4, 1_900_548);
    Path file = write(dir.resolve("t10k-images-idx3-ubyte.gz"), gzip(payload));
    ThrowingCallable read = () -> IdxReader.readImages(file, null);
    assertThatThrownBy(read).isInstanceOf(DatasetException.class)
        .hasMessageStartingWith(file + ": truncated or corrupt: the header announces dimensions [1900548, 28, 28]"
            + " (1490029632 bytes of data), more than a gzip file of ")
        .hasMessageEndingWith(" bytes can hold");
    assertThat(allocatedBy(read)).isLessThan(FEW_MB);
  }

  @Test
  void idxDimensionsWhoseProductOverflowsALongAreRefused() {
    // found while fixing the above: three int32 sizes of 2^31-1 multiply past the long range
    byte[] bad = idx(8, new int[] {Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE}, new byte[16]);
    Path file = write(dir.resolve("train-images-idx3-ubyte"), bad);
    assertThatThrownBy(() -> IdxReader.readImages(file, null)).isInstanceOf(DatasetException.class)
        .hasMessage(file + ": the IDX header announces dimensions [2147483647, 2147483647, 2147483647], more bytes"
            + " than one array can hold (a corrupt header?)");
  }

  @Test
  void aCorruptNumpyLabelDoesNotMakeMillionsOfClassNames() throws IOException {
    // fuzz case ".npy 357": one byte of y_train set to 0xfe, label 2 became 16,646,144
    Path arrays = Files.createDirectories(dir.resolve("arrays"));
    NpzWriter.writeNpy(arrays.resolve("x_train.npy"), "|u1", new long[] {12, 8, 8},
        UserFixtures.grayPixels(12, 8, 8, 3));
    ByteBuffer y = ByteBuffer.allocate(12 * 8).order(ByteOrder.LITTLE_ENDIAN);
    for (long l : UserFixtures.longLabels(12, 3)) {
      y.putLong(l);
    }
    y.putLong(2 * 8, 16_646_144L);
    NpzWriter.writeNpy(arrays.resolve("y_train.npy"), "<i8", new long[] {12}, y.array());
    ThrowingCallable load = () -> NumpySource.of(arrays).load(DataOptions.builder().seed(1).build());
    assertThatThrownBy(load).isInstanceOf(DatasetException.class)
        .hasMessage(arrays.resolve("y_train.npy") + ": the largest training label is 16646144, which makes 16646145"
            + " classes for 12 training images; every class needs training images (a corrupt label, or labels that"
            + " are not class indices 0..K-1?)");
    assertThat(allocatedBy(load)).isLessThan(FEW_MB);
  }

  @Test
  void aNulByteInACsvPathIsARefusalNamingTheRow() throws IOException {
    // fuzz case "CSV 102": byte 137 set to 0, inside the path of row 4
    UserFixtures.classTree(dir.resolve("img"), UserFixtures.ANIMALS, 2, 6, 6);
    Path csv = UserFixtures.write(dir.resolve("labels.csv"), "img/cat/img00.png,cat\nimg/dog/im\u00000.png,dog\n");
    assertThatThrownBy(() -> CsvSource.of(csv).load(DataOptions.builder().imageSize(6, 6).build()))
        .isInstanceOf(DatasetException.class)
        .hasMessage(csv + ": row 2 (line 2): 'img/dog/im?0.png' is not a valid path (Nul character not allowed)");
  }

  @Test
  void aNulByteInAZipEntryNameIsARefusalNamingTheArchive() throws IOException {
    // fuzz case "zip 172": byte 32 of the local header (inside the first entry's name) set to 0
    byte[] zip = CorruptedFilesFuzzTest.zip(Map.of("da\u0000a/train_y.bin", new byte[] {1, 2, 3}), ZipEntry.DEFLATED);
    Path archive = write(dir.resolve("a.zip"), zip);
    Path out = dir.resolve("out");
    assertThatThrownBy(() -> Resolver.extractAtomically(archive, out)).isInstanceOf(DatasetException.class)
        .hasMessage(archive + ": refusing entry 'da?a/train_y.bin': not a valid file name (Nul character not"
            + " allowed; a corrupt archive?)");
    try (Stream<Path> left = Files.list(out)) {
      assertThat(left).as("nothing extracted, no temporary folder left").isEmpty();
    }
  }

  @Test
  void aPngHeightCorruptedToMillionsIsRefusedBeforeDecoding() {
    // fuzz case "PNG 18": byte 21 (inside the IHDR height) set to 0x7a: 10 x 7,995,404 pixels in a file of bytes
    byte[] png = CorruptedFilesFuzzTest.encode(UserFixtures.rgb(1, 3, 12, 10), "png");
    png[21] = 0x7a;
    Path file = write(dir.resolve("img3.png"), png);
    ThrowingCallable decode = () -> ImageFolderReader.decode(file, 8, 8, 3);
    assertThatThrownBy(decode).isInstanceOf(DatasetException.class)
        .hasMessage(file + ": truncated or corrupt: the PNG header announces 10x7995404 pixels, more than a file"
            + " of " + png.length + " bytes can hold");
    assertThatThrownBy(() -> ImageFolderReader.size(file)).isInstanceOf(DatasetException.class)
        .hasMessageContaining("10x7995404 pixels");
    assertThat(allocatedBy(decode)).isLessThan(FEW_MB);
  }

  @Test
  void aJpegOfMorePixelsThanItsBytesCanCodeIsRefused() {
    // the same guard for JPEG: the SOF0 frame's height set to 60,000 in a file of a few hundred bytes
    byte[] jpeg = CorruptedFilesFuzzTest.encode(UserFixtures.rgb(0, 0, 12, 10), "jpg");
    int sof = 2;
    while (!((jpeg[sof] & 0xff) == 0xff && (jpeg[sof + 1] & 0xff) == 0xc0)) {
      sof++;
    }
    jpeg[sof + 5] = (byte) 0xea; // height 0xea60, big-endian, after marker(2), length(2), precision(1)
    jpeg[sof + 6] = (byte) 0x60;
    Path file = write(dir.resolve("big.jpg"), jpeg);
    assertThatThrownBy(() -> ImageFolderReader.decode(file, 8, 8, 3)).isInstanceOf(DatasetException.class)
        .hasMessage(file + ": truncated or corrupt: the JPEG header announces 10x60000 pixels, more than a file"
            + " of " + jpeg.length + " bytes can hold");
  }

  @Test
  void npyDtypeAndShapeThatOverflowAreRefused() throws IOException {
    // found while fixing the above, by reading NpyReader: both used to escape as NumberFormatException and
    // IllegalArgumentException
    Path hugeItem = dir.resolve("a.npy");
    Files.write(hugeItem, npyWithHeader("{'descr': '<u99999999999', 'fortran_order': False, 'shape': (2,), }"));
    assertThatThrownBy(() -> NpyReader.read(hugeItem)).isInstanceOf(DatasetException.class)
        .hasMessage(hugeItem + ": dtype <u99999999999 is not supported");
    Path hugeShape = dir.resolve("b.npy");
    // 6148914691236517205 x 3 = 2^64 - 1, which wrapped to -1 bytes
    Files.write(hugeShape, npyWithHeader("{'descr': '|u1', 'fortran_order': False, 'shape': (6148914691236517205,"
        + " 3), }"));
    assertThatThrownBy(() -> NpyReader.read(hugeShape)).isInstanceOf(DatasetException.class)
        .hasMessage(hugeShape + ": shape (6148914691236517205, 3) of |u1 holds more than 2^63 bytes, more than one"
            + " array can hold");
  }

  static byte[] npyWithHeader(String header) {
    byte[] h = (header + "\n").getBytes(StandardCharsets.US_ASCII);
    ByteBuffer b = ByteBuffer.allocate(10 + h.length + 16).order(ByteOrder.LITTLE_ENDIAN);
    b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
    b.putShort((short) h.length).put(h);
    return b.array();
  }
}
