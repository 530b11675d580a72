package dev.spinal.datasets;

import static dev.spinal.datasets.UserFixtures.ANIMALS;
import static dev.spinal.datasets.UserFixtures.pixel;
import static org.assertj.core.api.Assertions.assertThat;

import dev.spinal.datasets.DatasetInfo.ChecksumStatus;
import dev.spinal.datasets.io.NpzWriter;
import dev.spinal.datasets.io.NpyReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A user's own data, each source read back value for value into the trainer's split types. */
class UserDataSourcesTest {
  @TempDir Path dir;

  static DataOptions.Builder opts() {
    return DataOptions.builder().seed(3);
  }

  /** Every image of {@code ds} of class k holds {@code pixel(k, i, ...)} for some i in {@code [0, perClass)}. */
  static void assertClassPixels(ImageDataset ds, int perClass) {
    assertClassPixels(ds, perClass, ds.classNames());
  }

  /** As above, for images written with class index {@code written.indexOf(name)}. */
  static void assertClassPixels(ImageDataset ds, int perClass, List<String> written) {
    for (int j = 0; j < ds.size(); j++) {
      int k = written.indexOf(ds.classNames().get(ds.label(j)));
      int at = j;
      boolean match = IntStream.range(0, perClass).anyMatch(i -> IntStream.range(0, ds.height()).allMatch(y ->
          IntStream.range(0, ds.width()).allMatch(x -> IntStream.range(0, ds.channels()).allMatch(c ->
              ds.pixel(at, y, x, c) == pixel(k, i, y, x, c)))));
      assertThat(match).as("image %s of %s matches one written for class %s", j, ds.name(), k).isTrue();
    }
  }

  @Test
  void imageFolderSplitTreesKeepTheirSplitsAndSortedClassNames() {
    Path root = dir.resolve("pets");
    List<String> written = List.of("fox", "cat", "dog");
    UserFixtures.classTree(root.resolve("train"), written, 6, 16, 16);
    UserFixtures.classTree(root.resolve("valid"), written, 2, 16, 16);
    UserFixtures.classTree(root.resolve("test"), written, 3, 16, 16);
    DataSource source = DataSource.detect(root);
    assertThat(source).isInstanceOf(ImageFolderSource.class);
    assertThat(source.describe()).isEqualTo("image folder (test/ train/ valid/)");
    DatasetSplits s = source.load(opts().build());
    assertThat(s.train().classNames()).containsExactly("cat", "dog", "fox");
    assertThat(s.train().shape()).containsExactly(18, 16, 16, 3);
    assertThat(s.validation().countsPerClass()).containsExactly(2, 2, 2);
    assertThat(s.test().countsPerClass()).containsExactly(3, 3, 3);
    assertClassPixels(s.train(), 6, written);
    assertClassPixels(s.test(), 3, written);
    assertThat(s.info().id()).isNull();
    assertThat(s.info().name()).isEqualTo("pets");
    assertThat(s.info().files()).extracting(DatasetInfo.FileCheck::status).containsOnly(ChecksumStatus.UNKNOWN);
    assertThat(s.info().summary()).contains("pets from", "cat", "not checked against the dataset registry");
  }

  @Test
  void oneImageTreeIsSplitSeededAndStratified() {
    Path root = dir.resolve("one");
    UserFixtures.classTree(root, ANIMALS, 10, 16, 16);
    DataOptions o = opts().validationFraction(0.125).testFraction(0.2).build();
    DatasetSplits s = DataSource.detect(root).load(o);
    // test: 20% of each class's 10 = 2; validation: 12.5% of the 24 left = 3, one per class
    assertThat(s.test().countsPerClass()).containsExactly(2, 2, 2);
    assertThat(s.validation().countsPerClass()).containsExactly(1, 1, 1);
    assertThat(s.train().countsPerClass()).containsExactly(7, 7, 7);
    assertClassPixels(s.train(), 10);
    DatasetSplits again = DataSource.detect(root).load(o);
    assertThat(pixelSums(again.test())).isEqualTo(pixelSums(s.test()));
    DatasetSplits other = DataSource.detect(root).load(o.toBuilder().seed(4).build());
    assertThat(pixelSums(other.test())).isNotEqualTo(pixelSums(s.test()));
  }

  static long[] pixelSums(ImageDataset ds) {
    return IntStream.range(0, ds.size()).mapToLong(ds::pixelSum).toArray();
  }

  @Test
  void imageFilesAreResizedAndConvertedToGrayAsAsked() {
    Path root = dir.resolve("gray");
    UserFixtures.classTree(root, ANIMALS, 4, 16, 16);
    DatasetSplits s = DataSource.detect(root).load(opts().imageSize(8, 12).channels(1).testFraction(0.25)
        .validationSize(0).build());
    assertThat(s.train().shape()).containsExactly(9, 8, 12, 1);
    DatasetSplits full = DataSource.detect(root).load(opts().channels(1).testFraction(0.25).validationSize(0)
        .build());
    // at the native size, gray is the ITU-R 601 luma of the RGB pixel
    ImageDataset t = full.train();
    int k = t.label(0);
    boolean luma = IntStream.range(0, 4).anyMatch(i -> IntStream.range(0, 16).allMatch(y -> IntStream.range(0, 16)
        .allMatch(x -> t.pixel(0, y, x, 0) == (pixel(k, i, y, x, 0) * 299 + pixel(k, i, y, x, 1) * 587
            + pixel(k, i, y, x, 2) * 114 + 500) / 1000)));
    assertThat(luma).isTrue();
  }

  @Test
  void idxFolderIsRecognisedByFileNamesAndNotCheckedAgainstTheRegistry() throws IOException {
    Path d = dir.resolve("digits");
    UserFixtures.idxFolder(d, 30, 9, 3);
    DataSource source = DataSource.detect(d);
    assertThat(source).isInstanceOf(IdxSource.class);
    DatasetSplits s = source.load(opts().build());
    assertThat(s.train().classNames()).containsExactly("0", "1", "2");
    assertThat(s.test().size()).isEqualTo(9);
    assertThat(s.train().size() + s.validation().size()).isEqualTo(30);
    for (int i = 0; i < 9; i++) {
      assertThat(s.test().label(i)).isEqualTo(i % 3);
      assertThat(s.test().pixel(i, 5, 7, 0)).isEqualTo(pixel(i % 3, i, 5, 7, 0));
    }
    // a classes.txt beside them names the classes; an IDX file's path stands for its folder
    Files.writeString(d.resolve("classes.txt"), "zero\none\ntwo\n");
    DatasetSplits named = DataSource.detect(d.resolve("t10k-images-idx3-ubyte.gz")).load(opts().build());
    assertThat(named.test().classNames()).containsExactly("zero", "one", "two");
  }

  @Test
  void idxPairsByPathWithOwnValidationSplit() {
    Path d = dir.resolve("pairs");
    UserFixtures.idxFolder(d, 12, 6, 3);
    IdxSource source = IdxSource.of(d.resolve("train-images-idx3-ubyte.gz"), d.resolve("train-labels-idx1-ubyte.gz"))
        .withValidation(d.resolve("t10k-images-idx3-ubyte.gz"), d.resolve("t10k-labels-idx1-ubyte.gz"))
        .withClassNames(List.of("a", "b", "c"));
    DatasetSplits s = source.load(opts().testFraction(0.25).imageSize(16, 16).channels(3).build());
    assertThat(s.validation().size()).isEqualTo(6);
    assertThat(s.test().countsPerClass()).containsExactly(1, 1, 1);
    assertThat(s.train().shape()).containsExactly(9, 16, 16, 3);
    assertThat(s.train().classNames()).containsExactly("a", "b", "c");
  }

  @Test
  void kerasNpzIsReadValueForValue() {
    Path npz = UserFixtures.kerasNpz(dir.resolve("cifar-ish.npz"), 15, 6, 16, 16, 3);
    DataSource source = DataSource.detect(npz);
    assertThat(source).isInstanceOf(NumpySource.class);
    DatasetSplits s = source.load(opts().build());
    assertThat(s.test().shape()).containsExactly(6, 16, 16, 3);
    for (int i = 0; i < 6; i++) {
      assertThat(s.test().label(i)).isEqualTo(i % 3);
      for (int c = 0; c < 3; c++) {
        assertThat(s.test().pixel(i, 3, 9, c)).isEqualTo(pixel(i % 3, i, 3, 9, c));
      }
    }
    assertThat(s.info().source()).contains("x_train/y_train", "x_test/y_test");
  }

  @Test
  void npyFolderWithUnsplitArraysAndNarrowLabelTypes() throws IOException {
    Path d = Files.createDirectories(dir.resolve("arrays"));
    int n = 20;
    NpzWriter.writeNpy(d.resolve("images.npy"), "|u1", new long[] {n, 16, 16},
        UserFixtures.grayPixels(n, 16, 16, 2));
    ByteBuffer labels = ByteBuffer.allocate(2 * n).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < n; i++) {
      labels.putShort((short) (i % 2));
    }
    NpzWriter.writeNpy(d.resolve("labels.npy"), "<i2", new long[] {n, 1}, labels.array());
    Files.writeString(d.resolve("classes.txt"), "even\nodd\n");
    DatasetSplits s = DataSource.detect(d.resolve("images.npy")).load(opts().build());
    assertThat(s.train().classNames()).containsExactly("even", "odd");
    assertThat(s.train().size() + s.validation().size() + s.test().size()).isEqualTo(n);
    assertThat(s.test().countsPerClass()).containsExactly(2, 2);
    assertThat(s.train().channels()).isEqualTo(1);
  }

  @Test
  void npyReaderReadsVersionTwoHeadersAndUnsignedTypes() throws IOException {
    // format 2.0: a 4-byte header length
    String header = "{'descr': '<u4', 'fortran_order': False, 'shape': (3,), }";
    header = header + " ".repeat((64 - (12 + header.length() + 1) % 64) % 64) + "\n";
    ByteBuffer b = ByteBuffer.allocate(12 + header.length() + 12).order(ByteOrder.LITTLE_ENDIAN);
    b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0}).putInt(header.length()).put(header.getBytes());
    b.putInt(7).putInt(0).putInt(-1);
    Path f = Files.write(dir.resolve("v2.npy"), b.array());
    NpyReader.NpyArray a = NpyReader.read(f);
    assertThat(a.shape()).containsExactly(3);
    assertThat(a.longs()).containsExactly(7, 0, 4294967295L);
  }

  @Test
  void csvWithHeaderNamedLabelsAndRelativePaths() throws IOException {
    Path d = dir.resolve("list");
    UserFixtures.classTree(d.resolve("img"), ANIMALS, 5, 16, 16);
    StringBuilder csv = new StringBuilder("filename,label\n");
    for (String c : List.of("fox", "dog", "cat")) {
      for (int i = 0; i < 5; i++) {
        csv.append("img/").append(c).append("/img0").append(i).append(".png,").append(c).append('\n');
      }
    }
    Path file = UserFixtures.write(d.resolve("data.csv"), csv.toString());
    DatasetSplits s = DataSource.detect(file).load(opts().validationSize(3).build());
    assertThat(s.train().classNames()).containsExactly("cat", "dog", "fox");
    assertThat(s.test().countsPerClass()).containsExactly(1, 1, 1);
    assertThat(s.train().size()).isEqualTo(9);
    assertClassPixels(s.train(), 5);

    // integer labels without header: indices; "0".."2"
    StringBuilder ints = new StringBuilder();
    for (int k = 0; k < 3; k++) {
      for (int i = 0; i < 5; i++) {
        ints.append("\"img/").append(ANIMALS.get(k)).append("/img0").append(i).append(".png\",").append(k)
            .append("\r\n");
      }
    }
    Path indexed = UserFixtures.write(d.resolve("indexed.csv"), ints.toString());
    DatasetSplits t = CsvSource.of(indexed).load(opts().build());
    assertThat(t.train().classNames()).containsExactly("0", "1", "2");
    assertClassPixels(t.train(), 5);
    assertThat(Arrays.stream(t.test().countsPerClass()).sum()).isEqualTo(3);

    // a header in another column order: class first, then the file
    Path swapped = UserFixtures.write(d.resolve("swapped.csv"), "class,image,notes\n" + csv.toString().lines().skip(1)
        .map(l -> l.substring(l.indexOf(',') + 1) + "," + l.substring(0, l.indexOf(',')) + ",x")
        .reduce("", (x, y) -> x + y + "\n"));
    DatasetSplits u = CsvSource.of(swapped).load(opts().validationSize(3).build());
    assertThat(u.train().classNames()).containsExactly("cat", "dog", "fox");
    assertClassPixels(u.train(), 5);
  }
}
