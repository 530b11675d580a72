package dev.spinal.datasets;

import static dev.spinal.datasets.Fixtures.gzip;
import static dev.spinal.datasets.Fixtures.idx;
import static dev.spinal.datasets.Fixtures.idxInts;
import static dev.spinal.datasets.Fixtures.mnistPixels;
import static dev.spinal.datasets.Fixtures.pixel;
import static dev.spinal.datasets.Fixtures.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spinal.datasets.DataOptions.QmnistTest;
import dev.spinal.datasets.DatasetInfo.ChecksumStatus;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxFormatsTest {
  @TempDir Path dir;

  DataOptions.Builder opts() {
    return DataOptions.builder().path(dir).allowDownload(false).validationSize(0);
  }

  @Test
  void mnistAndKmnistRawAndGzipPixelForPixel() {
    Fixtures.writeMnistLike(dir, "train-", "t10k-", 30, 12, 0);
    // One file uncompressed: the reader must detect gzip by content, not name.
    write(dir.resolve("t10k-labels-idx1-ubyte"), idx(8, new int[] {12}, Fixtures.labels(12, 0)));
    try {
      java.nio.file.Files.delete(dir.resolve("t10k-labels-idx1-ubyte.gz"));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    for (String name : List.of("mnist", "kmnist", "fashion-mnist")) {
      DatasetSplits s = Datasets.load(name, opts().verifyChecksums(false).build());
      assertThat(s.train().size()).isEqualTo(30);
      assertThat(s.test().size()).isEqualTo(12);
      assertPixels(s.train(), 0);
      assertPixels(s.test(), 0);
      assertThat(s.test().label(11)).isEqualTo(1);
    }
    assertThat(Datasets.load("kmnist", opts().verifyChecksums(false).build()).train().classNames())
        .startsWith("o", "ki", "su");
  }

  static void assertPixels(ImageDataset ds, int firstIndex) {
    for (int i = 0; i < ds.size(); i++) {
      for (int y = 0; y < 28; y++) {
        for (int x = 0; x < 28; x++) {
          assertThat(ds.pixel(i, y, x, 0)).isEqualTo(pixel(i + firstIndex, y, x));
        }
      }
    }
  }

  @Test
  void checksumStatusForFilesWithoutMatchingPublishedForm() {
    Fixtures.writeMnistLike(dir, "train-", "t10k-", 10, 10, 0);
    // Our gzip bytes are not the publisher's: the MD5 of the .gz cannot match -> a clear mismatch error.
    assertThatThrownBy(() -> Datasets.load("mnist", opts().build()))
        .isInstanceOf(ChecksumMismatchException.class)
        .hasMessageContaining("train-images-idx3-ubyte.gz").hasMessageContaining("MD5")
        .hasMessageContaining("f68b3c2dcbeaaa9fbdd348bbdeb94873")
        .hasMessageContaining("--no-verify loads it anyway").hasMessageNotContaining("DataOptions");
    DatasetSplits s = Datasets.load("mnist", opts().verifyChecksums(false).build());
    assertThat(s.info().files()).extracting(DatasetInfo.FileCheck::status).containsOnly(ChecksumStatus.SKIPPED);
  }

  @Test
  void fashionMnistPayloadChecksumMismatchNamesTheFile() {
    Fixtures.writeMnistLike(dir, "train-", "t10k-", 10, 10, 0);
    assertThatThrownBy(() -> Datasets.load("fashion-mnist", opts().build()))
        .isInstanceOf(ChecksumMismatchException.class)
        .hasMessageContaining("train-images-idx3-ubyte.gz")
        .hasMessageContaining("decompressed payload SHA-256")
        .hasMessageContaining("c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888")
        .hasMessageContaining("--no-verify loads it anyway");
  }

  @Test
  void emnistImagesAreTransposedBackAndLettersShiftedToZero() {
    int n = 26;
    // EMNIST stores each image transposed: stored[x][y] = image[y][x].
    byte[] stored = new byte[n * 784];
    for (int i = 0; i < n; i++) {
      for (int y = 0; y < 28; y++) {
        for (int x = 0; x < 28; x++) {
          stored[i * 784 + x * 28 + y] = (byte) pixel(i, y, x);
        }
      }
    }
    byte[] letters = new byte[n];
    for (int i = 0; i < n; i++) {
      letters[i] = (byte) (i + 1); // 1..26
    }
    Path g = dir.resolve("gzip");
    write(g.resolve("emnist-letters-train-images-idx3-ubyte.gz"), gzip(idx(8, new int[] {n, 28, 28}, stored)));
    write(g.resolve("emnist-letters-train-labels-idx1-ubyte.gz"), gzip(idx(8, new int[] {n}, letters)));
    write(g.resolve("emnist-letters-test-images-idx3-ubyte.gz"), gzip(idx(8, new int[] {n, 28, 28}, stored)));
    write(g.resolve("emnist-letters-test-labels-idx1-ubyte.gz"), gzip(idx(8, new int[] {n}, letters)));
    DatasetSplits s = Datasets.load("emnist-letters", opts().build());
    assertThat(s.info().root()).isEqualTo(g);
    assertPixels(s.train(), 0);
    assertThat(s.train().labels()).isEqualTo(java.util.stream.IntStream.range(0, 26).toArray());
    assertThat(s.train().classNames()).hasSize(26).startsWith("a").endsWith("z");
    assertThat(s.info().files()).extracting(DatasetInfo.FileCheck::status).containsOnly(ChecksumStatus.UNKNOWN);

    byte[] bad = letters.clone();
    bad[3] = 0;
    write(g.resolve("emnist-letters-test-labels-idx1-ubyte.gz"), gzip(idx(8, new int[] {n}, bad)));
    assertThatThrownBy(() -> Datasets.load("emnist-letters", opts().build()))
        .hasMessageContaining("emnist-letters-test-labels-idx1-ubyte.gz").hasMessageContaining("label 0 at index 3");
  }

  @Test
  void emnistDigits() {
    int n = 10;
    byte[] stored = new byte[n * 784];
    for (int i = 0; i < n; i++) {
      for (int y = 0; y < 28; y++) {
        for (int x = 0; x < 28; x++) {
          stored[i * 784 + x * 28 + y] = (byte) pixel(i, y, x);
        }
      }
    }
    Fixtures.writeMnistLike(dir, "emnist-digits-train-", "emnist-digits-test-", n, n, 0);
    write(dir.resolve("emnist-digits-train-images-idx3-ubyte.gz"), gzip(idx(8, new int[] {n, 28, 28}, stored)));
    DatasetSplits s = Datasets.load("emnist-digits", opts().build());
    assertPixels(s.train(), 0);
    assertThat(s.train().label(7)).isEqualTo(7);
  }

  @Test
  void qmnistExtendedLabelsAndTestSubsets() {
    int n = 20;
    int testRows = 60_000;
    Fixtures.write(dir.resolve("qmnist-train-images-idx3-ubyte.gz"),
        gzip(idx(8, new int[] {n, 28, 28}, mnistPixels(n))));
    Fixtures.write(dir.resolve("qmnist-train-labels-idx2-int.gz"), gzip(qmnistLabels(n)));
    // The test file has 60,000 rows; write real-size label table and images so test10k/test50k are exercised.
    Fixtures.write(dir.resolve("qmnist-test-images-idx3-ubyte.gz"),
        gzip(idx(8, new int[] {testRows, 28, 28}, mnistPixels(testRows))));
    Fixtures.write(dir.resolve("qmnist-test-labels-idx2-int.gz"), gzip(qmnistLabels(testRows)));

    DatasetSplits all = Datasets.load("qmnist", opts().verifyChecksums(false).build());
    assertThat(all.train().labels()).isEqualTo(java.util.stream.IntStream.range(0, n).map(i -> (i * 3) % 10)
        .toArray());
    assertPixels(all.train(), 0);
    assertThat(all.test().size()).isEqualTo(60_000);

    DatasetSplits t10 = Datasets.load("qmnist", opts().verifyChecksums(false).qmnistTest(QmnistTest.TEST10K)
        .build());
    assertThat(t10.test().size()).isEqualTo(10_000);
    assertThat(t10.test().label(9_999)).isEqualTo((9_999 * 3) % 10);
    assertThat(t10.test().pixel(9_999, 5, 6, 0)).isEqualTo(pixel(9_999, 5, 6));

    DatasetSplits t50 = Datasets.load("qmnist", opts().verifyChecksums(false).qmnistTest(QmnistTest.TEST50K)
        .build());
    assertThat(t50.test().size()).isEqualTo(50_000);
    assertThat(t50.test().label(0)).isEqualTo((10_000 * 3) % 10);
    assertThat(t50.test().pixel(0, 7, 9, 0)).isEqualTo(pixel(10_000, 7, 9));
    assertThat(t50.test().pixel(49_999, 27, 27, 0)).isEqualTo(pixel(59_999, 27, 27));
  }

  /** QMNIST's idx2 int32 table [n, 8]: class, HSF series, writer id, digit index, NIST class, ... */
  static byte[] qmnistLabels(int n) {
    int[] v = new int[n * 8];
    for (int i = 0; i < n; i++) {
      v[i * 8] = (i * 3) % 10;
      v[i * 8 + 1] = 4;
      v[i * 8 + 2] = 2000 + i;
      v[i * 8 + 3] = i;
      v[i * 8 + 4] = 30 + (i * 3) % 10;
    }
    return idxInts(new int[] {n, 8}, v);
  }

  @Test
  void qmnistTableWithWrongColumnCount() {
    Fixtures.writeMnistLike(dir, "qmnist-train-", "qmnist-test-", 5, 5, 0);
    write(dir.resolve("qmnist-train-labels-idx2-int.gz"), gzip(idxInts(new int[] {5, 2}, new int[10])));
    write(dir.resolve("qmnist-test-labels-idx2-int.gz"), gzip(qmnistLabels(5)));
    assertThatThrownBy(() -> Datasets.load("qmnist", opts().verifyChecksums(false).build()))
        .hasMessageContaining("qmnist-train-labels-idx2-int.gz").hasMessageContaining("2 columns, expected 8");
  }

  // ------------------------------------------------------------------------------------------- bad input

  @Test
  void truncatedRawFile() {
    Fixtures.writeMnistLike(dir, "train-", "t10k-", 10, 10, 0);
    byte[] full = idx(8, new int[] {10, 28, 28}, mnistPixels(10));
    write(dir.resolve("train-images-idx3-ubyte.gz"), gzip(Arrays.copyOf(full, full.length - 100)));
    assertThatThrownBy(() -> Datasets.load("mnist", opts().verifyChecksums(false).build()))
        .isInstanceOf(DatasetException.class).hasMessageContaining("train-images-idx3-ubyte.gz")
        .hasMessageContaining("truncated").hasMessageContaining("7840 bytes of data").hasMessageContaining("7740");
  }

  @Test
  void truncatedGzipStream() {
    Fixtures.writeMnistLike(dir, "train-", "t10k-", 10, 10, 0);
    byte[] gz = gzip(idx(8, new int[] {10, 28, 28}, mnistPixels(10)));
    write(dir.resolve("train-images-idx3-ubyte.gz"), Arrays.copyOf(gz, gz.length / 2));
    assertThatThrownBy(() -> Datasets.load("mnist", opts().verifyChecksums(false).build()))
        .isInstanceOf(DatasetException.class).hasMessageContaining("train-images-idx3-ubyte.gz")
        .hasMessageContaining("truncated");
  }

  @Test
  void wrongMagicNumber() {
    Fixtures.writeMnistLike(dir, "train-", "t10k-", 10, 10, 0);
    // Labels where images belong: idx1 instead of idx3.
    write(dir.resolve("train-images-idx3-ubyte.gz"), gzip(idx(8, new int[] {10}, new byte[10])));
    assertThatThrownBy(() -> Datasets.load("mnist", opts().verifyChecksums(false).build()))
        .hasMessageContaining("train-images-idx3-ubyte.gz").hasMessageContaining("wrong magic number 0x00000801")
        .hasMessageContaining("0x00000803");
  }

  @Test
  void countMismatch() {
    Fixtures.writeMnistLike(dir, "train-", "t10k-", 10, 10, 0);
    write(dir.resolve("train-labels-idx1-ubyte.gz"), gzip(idx(8, new int[] {9}, new byte[9])));
    assertThatThrownBy(() -> Datasets.load("mnist", opts().verifyChecksums(false).build()))
        .hasMessageContaining("train-labels-idx1-ubyte.gz").hasMessageContaining("9 labels")
        .hasMessageContaining("10 images").hasMessageContaining("count mismatch");
  }

  @Test
  void wrongImageDimensions() {
    Fixtures.writeMnistLike(dir, "train-", "t10k-", 10, 10, 0);
    write(dir.resolve("t10k-images-idx3-ubyte.gz"), gzip(idx(8, new int[] {10, 32, 32}, new byte[10 * 1024])));
    assertThatThrownBy(() -> Datasets.load("mnist", opts().verifyChecksums(false).build()))
        .hasMessageContaining("t10k-images-idx3-ubyte.gz").hasMessageContaining("wrong image dimensions 32x32");
  }

  @Test
  void trailingBytes() {
    Fixtures.writeMnistLike(dir, "train-", "t10k-", 10, 10, 0);
    byte[] full = idx(8, new int[] {10}, Fixtures.labels(10, 0));
    write(dir.resolve("train-labels-idx1-ubyte.gz"), gzip(Arrays.copyOf(full, full.length + 3)));
    assertThatThrownBy(() -> Datasets.load("mnist", opts().verifyChecksums(false).build()))
        .hasMessageContaining("train-labels-idx1-ubyte.gz").hasMessageContaining("trailing bytes");
  }

  @Test
  void labelOutOfRange() {
    Fixtures.writeMnistLike(dir, "train-", "t10k-", 10, 10, 0);
    byte[] l = Fixtures.labels(10, 0);
    l[4] = 10;
    write(dir.resolve("train-labels-idx1-ubyte.gz"), gzip(idx(8, new int[] {10}, l)));
    assertThatThrownBy(() -> Datasets.load("mnist", opts().verifyChecksums(false).build()))
        .hasMessageContaining("train-labels-idx1-ubyte.gz").hasMessageContaining("label 10 at index 4");
  }

  @Test
  void limitAndRandomValidation() {
    Fixtures.writeMnistLike(dir, "train-", "t10k-", 200, 50, 0);
    DatasetSplits s = Datasets.load("mnist", DataOptions.builder().path(dir).verifyChecksums(false).limit(100)
        .validationFraction(0.2).validationSplit(DataOptions.ValidationSplit.RANDOM).seed(3).build());
    assertThat(s.train().size()).isEqualTo(80);
    assertThat(s.validation().size()).isEqualTo(20);
    assertThat(s.test().size()).isEqualTo(50);
    DatasetSplits again = Datasets.load("mnist", DataOptions.builder().path(dir).verifyChecksums(false).limit(100)
        .validationFraction(0.2).validationSplit(DataOptions.ValidationSplit.RANDOM).seed(3).build());
    assertThat(again.validation().labels()).isEqualTo(s.validation().labels());
    // Train and validation together are exactly the first 100 published images.
    long sum = 0;
    for (int i = 0; i < 80; i++) {
      sum += s.train().pixelSum(i);
    }
    for (int i = 0; i < 20; i++) {
      sum += s.validation().pixelSum(i);
    }
    ImageDataset first100 = Datasets.load("mnist", DataOptions.builder().path(dir).verifyChecksums(false)
        .limit(100).validationSize(0).build()).train();
    long expected = 0;
    for (int i = 0; i < 100; i++) {
      expected += first100.pixelSum(i);
    }
    assertThat(sum).isEqualTo(expected);
  }
}
