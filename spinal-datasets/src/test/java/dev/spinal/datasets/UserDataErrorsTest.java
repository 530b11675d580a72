package dev.spinal.datasets;

import static dev.spinal.datasets.Fixtures.gzip;
import static dev.spinal.datasets.Fixtures.idx;
import static dev.spinal.datasets.UserFixtures.ANIMALS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spinal.datasets.io.NpzWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each way a user's data can be wrong fails with the file (or CSV row) and what was expected. */
class UserDataErrorsTest {
  @TempDir Path dir;

  static DataOptions opts() {
    return DataOptions.builder().seed(1).build();
  }

  @Test
  void emptyClassFolderIsNamed() throws IOException {
    Path root = dir.resolve("pets");
    UserFixtures.classTree(root, ANIMALS, 4, 16, 16);
    Files.createDirectories(root.resolve("owl"));
    assertThatThrownBy(() -> DataSource.detect(root).load(opts())).isInstanceOf(DatasetException.class)
        .hasMessageContaining(root.resolve("owl").toString()).hasMessageContaining("empty class folder");
  }

  @Test
  void classInTrainButNotInTestOrValidation() throws IOException {
    Path root = dir.resolve("pets");
    UserFixtures.classTree(root.resolve("train"), ANIMALS, 3, 16, 16);
    UserFixtures.classTree(root.resolve("test"), List.of("cat", "dog"), 2, 16, 16);
    assertThatThrownBy(() -> DataSource.detect(root).load(opts())).isInstanceOf(DatasetException.class)
        .hasMessageContaining(root.resolve("test").toString())
        .hasMessageContaining("has no folder for class 'fox', which train/ has");
    UserFixtures.classTree(root.resolve("test"), List.of("fox"), 2, 16, 16);
    UserFixtures.classTree(root.resolve("val"), List.of("cat", "dog", "fox", "owl"), 1, 16, 16);
    assertThatThrownBy(() -> DataSource.detect(root).load(opts()))
        .hasMessageContaining(root.resolve("val/owl").toString()).hasMessageContaining("class 'owl' is not in train/");
  }

  @Test
  void corruptAndNonImageFilesAreNamedOrSkippedAndCounted() throws IOException {
    Path root = dir.resolve("pets");
    UserFixtures.classTree(root, ANIMALS, 5, 16, 16);
    Path notes = UserFixtures.write(root.resolve("dog/notes.txt"), "not a picture");
    assertThatThrownBy(() -> DataSource.detect(root).load(opts())).isInstanceOf(DatasetException.class)
        .hasMessageStartingWith(notes + ": not an image");
    Files.delete(notes);
    Path png = root.resolve("fox/img03.png");
    byte[] bytes = Files.readAllBytes(png);
    Files.write(png, Arrays.copyOf(bytes, bytes.length / 2)); // truncated PNG
    assertThatThrownBy(() -> DataSource.detect(root).load(opts())).isInstanceOf(DatasetException.class)
        .hasMessageStartingWith(png + ":");
    UserFixtures.write(root.resolve("cat/broken.jpg"), "\u00ff\u00d8 garbage");
    DatasetSplits s = DataSource.detect(root).load(opts().toBuilder().skipBadFiles(true).build());
    assertThat(s.info().skippedFiles()).containsExactlyInAnyOrder(png, root.resolve("cat/broken.jpg"));
    assertThat(s.train().size() + s.validation().size() + s.test().size()).isEqualTo(14);
    assertThat(s.info().summary()).contains("skipped  2 files");
  }

  @Test
  void classWhoseFilesAreAllBadHasNoTrainingImages() throws IOException {
    Path root = dir.resolve("pets");
    UserFixtures.classTree(root, List.of("cat", "dog"), 4, 16, 16);
    UserFixtures.write(root.resolve("owl/a.png"), "x");
    assertThatThrownBy(() -> DataSource.detect(root).load(opts().toBuilder().skipBadFiles(true).build()))
        .hasMessageContaining("no training image of class 'owl'").hasMessageContaining("1 files skipped");
  }

  @Test
  void idxHeaderDisagreeingWithItsDataOrTheOtherSplit() {
    Path d = dir.resolve("idx");
    UserFixtures.idxFolder(d, 12, 6, 3);
    byte[] px = UserFixtures.grayPixels(6, 28, 28, 3);
    Fixtures.write(d.resolve("t10k-images-idx3-ubyte.gz"),
        gzip(idx(8, new int[] {6, 28, 28}, Arrays.copyOf(px, px.length - 28))));
    assertThatThrownBy(() -> DataSource.detect(d).load(opts()))
        .hasMessageContaining("t10k-images-idx3-ubyte.gz").hasMessageContaining("truncated")
        .hasMessageContaining("[6, 28, 28]");
    Fixtures.write(d.resolve("t10k-images-idx3-ubyte.gz"),
        gzip(idx(8, new int[] {6, 32, 32}, UserFixtures.grayPixels(6, 32, 32, 3))));
    assertThatThrownBy(() -> DataSource.detect(d).load(opts()))
        .hasMessageContaining("t10k-images-idx3-ubyte.gz: holds 32x32 images but train-images-idx3-ubyte.gz"
            + " holds 28x28");
    Fixtures.write(d.resolve("t10k-images-idx3-ubyte.gz"),
        gzip(idx(8, new int[] {5, 28, 28}, UserFixtures.grayPixels(5, 28, 28, 3))));
    assertThatThrownBy(() -> DataSource.detect(d).load(opts()))
        .hasMessageContaining("t10k-labels-idx1-ubyte.gz: holds 6 labels but t10k-images-idx3-ubyte.gz holds 5");
  }

  @Test
  void idxLabelsOutsideTheClassRange() throws IOException {
    Path d = dir.resolve("idx");
    UserFixtures.idxFolder(d, 12, 6, 3);
    Files.writeString(d.resolve("classes.txt"), "a\nb\n");
    assertThatThrownBy(() -> DataSource.detect(d).load(opts()))
        .hasMessageContaining("train-labels-idx1-ubyte.gz: label 2 at index 2 is outside the class range 0..1")
        .hasMessageContaining("classes.txt lists 2 classes");
    Files.delete(d.resolve("classes.txt"));
    byte[] test = UserFixtures.labels(6, 3);
    test[4] = 7;
    Fixtures.write(d.resolve("t10k-labels-idx1-ubyte.gz"), gzip(idx(8, new int[] {6}, test)));
    assertThatThrownBy(() -> DataSource.detect(d).load(opts()))
        .hasMessageContaining("t10k-labels-idx1-ubyte.gz: label 7 at index 4 is outside the class range 0..2")
        .hasMessageContaining("the training labels go up to 2");
  }

  @Test
  void idxTestSplitLackingAClass() {
    Path d = dir.resolve("idx");
    UserFixtures.idxFolder(d, 12, 6, 3);
    byte[] test = {0, 1, 0, 1, 0, 1};
    Fixtures.write(d.resolve("t10k-labels-idx1-ubyte.gz"), gzip(idx(8, new int[] {6}, test)));
    assertThatThrownBy(() -> DataSource.detect(d).load(opts()))
        .hasMessageContaining("t10k-labels-idx1-ubyte.gz: no image of class '2'")
        .hasMessageContaining("every class needs images in each split");
  }

  @Test
  void npzHeaderDisagreeingWithItsData() throws IOException {
    Path npz = dir.resolve("bad.npz");
    try (NpzWriter w = NpzWriter.create(npz)) {
      w.putRaw("x_train", "|u1", new long[] {10, 16, 16}, new byte[10 * 16 * 16 - 5]);
      w.putLongs("y_train", new long[] {10}, UserFixtures.longLabels(10, 2));
    }
    assertThatThrownBy(() -> DataSource.detect(npz).load(opts()))
        .hasMessageContaining(npz + ": array 'x_train': truncated: the header announces shape (10, 16, 16) of |u1"
            + " (2560 bytes of data) but only 2555 bytes follow");
  }

  @Test
  void npzArraysThatDoNotMatchEachOther() throws IOException {
    Path npz = dir.resolve("m.npz");
    try (NpzWriter w = NpzWriter.create(npz)) {
      w.putUnsignedBytes("x_train", new long[] {10, 16, 16}, UserFixtures.grayPixels(10, 16, 16, 2));
      w.putLongs("y_train", new long[] {10}, UserFixtures.longLabels(10, 2));
      w.putUnsignedBytes("x_test", new long[] {4, 20, 20}, UserFixtures.grayPixels(4, 20, 20, 2));
      w.putLongs("y_test", new long[] {4}, UserFixtures.longLabels(4, 2));
    }
    assertThatThrownBy(() -> DataSource.detect(npz).load(opts()))
        .hasMessageContaining("array 'x_test': holds 20x20x1 images but x_train holds 16x16x1");
    try (NpzWriter w = NpzWriter.create(npz)) {
      w.putUnsignedBytes("x_train", new long[] {10, 16, 16}, UserFixtures.grayPixels(10, 16, 16, 2));
      w.putLongs("y_train", new long[] {9}, Arrays.copyOf(UserFixtures.longLabels(10, 2), 9));
    }
    assertThatThrownBy(() -> DataSource.detect(npz).load(opts()))
        .hasMessageContaining("array 'y_train': holds 9 labels but x_train holds 10 images");
    try (NpzWriter w = NpzWriter.create(npz)) {
      w.putUnsignedBytes("x_train", new long[] {10, 16, 16}, UserFixtures.grayPixels(10, 16, 16, 2));
    }
    assertThatThrownBy(() -> DataSource.detect(npz).load(opts()))
        .hasMessageContaining("images x_train have no labels array (expected y_train)");
    try (NpzWriter w = NpzWriter.create(npz)) {
      w.putInts("weights", new long[] {1}, new int[] {1});
    }
    assertThatThrownBy(() -> DataSource.detect(npz).load(opts()))
        .hasMessageContaining("no training arrays: found weights; expected x_train and y_train");
  }

  @Test
  void npzDtypesAndLayoutsThatAreNotImages() throws IOException {
    Path npz = dir.resolve("t.npz");
    try (NpzWriter w = NpzWriter.create(npz)) {
      w.putFloats("x_train", new long[] {4, 16, 16}, new float[4 * 16 * 16]);
      w.putLongs("y_train", new long[] {4}, new long[4]);
    }
    assertThatThrownBy(() -> DataSource.detect(npz).load(opts()))
        .hasMessageContaining("array 'x_train': dtype <f4 (float32), expected uint8 (|u1)");
    try (NpzWriter w = NpzWriter.create(npz)) {
      w.putUnsignedBytes("x_train", new long[] {4, 3, 16, 16}, new byte[4 * 3 * 16 * 16]);
      w.putLongs("y_train", new long[] {4}, new long[4]);
    }
    assertThatThrownBy(() -> DataSource.detect(npz).load(opts()))
        .hasMessageContaining("looks channels-first (NCHW)");
    try (NpzWriter w = NpzWriter.create(npz)) {
      w.putUnsignedBytes("x_train", new long[] {4, 16, 16}, new byte[4 * 16 * 16]);
      w.putRaw("y_train", ">i4", new long[] {4}, new byte[16]);
    }
    assertThatThrownBy(() -> DataSource.detect(npz).load(opts()))
        .hasMessageContaining("array 'y_train': big-endian dtype >i4 is not supported");
  }

  @Test
  void npzLabelsOutsideTheClassRangeAndMissingTestClass() throws IOException {
    Path npz = dir.resolve("l.npz");
    long[] test = {0, 1, 5, 1};
    try (NpzWriter w = NpzWriter.create(npz)) {
      w.putUnsignedBytes("x_train", new long[] {10, 16, 16}, UserFixtures.grayPixels(10, 16, 16, 2));
      w.putLongs("y_train", new long[] {10}, UserFixtures.longLabels(10, 2));
      w.putUnsignedBytes("x_test", new long[] {4, 16, 16}, UserFixtures.grayPixels(4, 16, 16, 2));
      w.putLongs("y_test", new long[] {4}, test);
    }
    assertThatThrownBy(() -> DataSource.detect(npz).load(opts()))
        .hasMessageContaining("array 'y_test': label 5 at index 2 is outside the class range 0..1");
    test[2] = 1;
    try (NpzWriter w = NpzWriter.create(npz)) {
      w.putUnsignedBytes("x_train", new long[] {10, 16, 16}, UserFixtures.grayPixels(10, 16, 16, 2));
      w.putLongs("y_train", new long[] {10}, UserFixtures.longLabels(10, 2));
      w.putUnsignedBytes("x_test", new long[] {4, 16, 16}, UserFixtures.grayPixels(4, 16, 16, 2));
      w.putLongs("y_test", new long[] {4}, new long[] {1, 1, 1, 1});
    }
    assertThatThrownBy(() -> DataSource.detect(npz).load(opts()))
        .hasMessageContaining("arrays x_test/y_test: no image of class '0'");
  }

  @Test
  void csvRowPointingAtAMissingFileAndBadLabels() throws IOException {
    Path d = dir.resolve("list");
    UserFixtures.classTree(d, ANIMALS, 3, 16, 16);
    Path csv = UserFixtures.write(d.resolve("data.csv"),
        "path,label\ncat/img00.png,cat\ncat/img01.png,cat\ncat/img07.png,cat\n");
    assertThatThrownBy(() -> CsvSource.of(csv).load(opts()))
        .hasMessageContaining(csv + ": row 3 (line 4): no such file cat/img07.png");
    Files.writeString(csv, "cat/img00.png\n");
    assertThatThrownBy(() -> CsvSource.of(csv).load(opts()))
        .hasMessageContaining("row 1 (line 1): expected path,label, found 1 column: cat/img00.png");
    Files.writeString(d.resolve("classes.txt"), "cat\ndog\n");
    Files.writeString(csv, "cat/img00.png,0\ndog/img00.png,1\nfox/img00.png,2\n");
    assertThatThrownBy(() -> CsvSource.of(csv).load(opts()))
        .hasMessageContaining("row 3 (line 3): label '2' is neither a class name nor an index 0..1")
        .hasMessageContaining("classes.txt lists 2 classes");
    Files.delete(d.resolve("classes.txt"));
    Files.writeString(csv, "cat/img00.png,0\ndog/img00.png,-1\n");
    assertThatThrownBy(() -> CsvSource.of(csv).load(opts()))
        .hasMessageContaining("row 2 (line 2): label -1 is outside the class range");
  }

  @Test
  void pathsThatHoldNoData() throws IOException {
    assertThatThrownBy(() -> DataSource.detect(dir.resolve("nowhere")))
        .hasMessageContaining("nowhere: does not exist");
    Path empty = Files.createDirectories(dir.resolve("empty"));
    UserFixtures.write(empty.resolve("readme.md"), "hi");
    assertThatThrownBy(() -> DataSource.detect(empty)).hasMessageContaining("holds no class sub-folders");
    Path txt = UserFixtures.write(dir.resolve("x.txt"), "hi");
    assertThatThrownBy(() -> DataSource.detect(txt)).hasMessageContaining("is not a data file Spinal reads");
  }

  @Test
  void largeImagesNeedAnExplicitSize() {
    Path root = dir.resolve("big");
    UserFixtures.png(UserFixtures.rgb(0, 0, 600, 20), root.resolve("a/x.png"));
    UserFixtures.png(UserFixtures.rgb(1, 0, 600, 20), root.resolve("b/x.png"));
    assertThatThrownBy(() -> DataSource.detect(root).load(opts()))
        .hasMessageContaining("a/x.png: is 600x20 pixels").hasMessageContaining("--image-size");
  }
}
