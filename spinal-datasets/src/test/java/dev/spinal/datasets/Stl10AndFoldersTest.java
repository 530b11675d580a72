package dev.spinal.datasets;

import static dev.spinal.datasets.Fixtures.write;
import static dev.spinal.testing.DatasetFixtures.image;
import static dev.spinal.testing.DatasetFixtures.save;
import static dev.spinal.testing.DatasetFixtures.stl10Images;
import static dev.spinal.testing.DatasetFixtures.stl10Labels;
import static dev.spinal.testing.DatasetFixtures.stl10Pixel;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spinal.datasets.io.ImageFolderReader;
import dev.spinal.testing.DatasetFixtures;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** STL-10 and the image-folder datasets from files in their publishers' layouts ({@code DatasetFixtures}). */
class Stl10AndFoldersTest {
  @TempDir Path dir;

  @Test
  void stl10ColumnMajorPlanesPixelForPixel() {
    Path b = DatasetFixtures.stl10(dir, 12, 5);
    DatasetSplits s = Datasets.load("stl10", DataOptions.builder().path(dir).validationSize(2)
        .verifyChecksums(false).build());
    assertThat(s.info().root()).isEqualTo(b);
    assertThat(s.test().shape()).containsExactly(5, 96, 96, 3);
    assertThat(s.train().size() + s.validation().size()).isEqualTo(12);
    ImageDataset t = s.test();
    for (int i = 0; i < 5; i++) {
      assertThat(t.label(i)).isEqualTo(i % 10);
      for (int y = 0; y < 96; y++) {
        for (int x = 0; x < 96; x++) {
          for (int c = 0; c < 3; c++) {
            assertThat(t.pixel(i, y, x, c)).isEqualTo(stl10Pixel(i, y, x, c));
          }
        }
      }
    }
    assertThat(t.classNames()).startsWith("airplane", "bird").endsWith("truck");
  }

  @Test
  void stl10BadInputs() {
    Path b = dir.resolve("stl10_binary");
    write(b.resolve("train_X.bin"), Arrays.copyOf(stl10Images(3), 3 * 27648 - 10));
    write(b.resolve("train_y.bin"), stl10Labels(3));
    write(b.resolve("test_X.bin"), stl10Images(2));
    write(b.resolve("test_y.bin"), stl10Labels(3));
    DataOptions o = DataOptions.builder().path(dir).validationSize(0).verifyChecksums(false).build();
    assertThatThrownBy(() -> Datasets.load("stl10", o)).hasMessageContaining("train_X.bin")
        .hasMessageContaining("not a multiple of 27648");
    write(b.resolve("train_X.bin"), stl10Images(3));
    assertThatThrownBy(() -> Datasets.load("stl10", o)).hasMessageContaining("test_y.bin")
        .hasMessageContaining("3 labels").hasMessageContaining("2 images");
    write(b.resolve("test_y.bin"), new byte[] {1, 11});
    assertThatThrownBy(() -> Datasets.load("stl10", o)).hasMessageContaining("test_y.bin")
        .hasMessageContaining("label 11 at index 1");
    // With verification on, our synthetic files cannot match the published MD5s.
    write(b.resolve("test_y.bin"), stl10Labels(2));
    assertThatThrownBy(() -> Datasets.load("stl10", o.toBuilder().verifyChecksums(true).build()))
        .isInstanceOf(ChecksumMismatchException.class).hasMessageContaining("train_X.bin")
        .hasMessageContaining("918c2871b30a85fa023e0c44e0bee87f");
  }

  // ------------------------------------------------------------------------------------ image folders

  /** An image file's bytes decode as the file does; bytes that are no image fail naming what they are. */
  @Test
  void encodedBytesDecodeAsTheirFile() throws Exception {
    for (String name : new String[] {"b.png", "b.jpg"}) {
      save(image(30, 20, 5), dir.resolve(name));
      byte[] bytes = Files.readAllBytes(dir.resolve(name));
      for (int channels : new int[] {1, 3}) {
        assertThat(ImageFolderReader.decode(bytes, name, 14, 12, channels))
            .containsExactly(ImageFolderReader.decode(dir.resolve(name), 14, 12, channels));
      }
    }
    assertThatThrownBy(() -> ImageFolderReader.decode("no image".getBytes(), "row 7", 4, 4, 1))
        .isInstanceOf(DatasetException.class)
        .hasMessage("row 7: not an image (no JPEG/PNG/BMP/GIF decoder recognises it)");
  }

  @Test
  void pngDecodedExactlyAtNativeSizeGrayReplicated() {
    BufferedImage rgb = image(20, 10, 3);
    save(rgb, dir.resolve("a.png"));
    byte[] px = ImageFolderReader.decodeRgb(dir.resolve("a.png"), 10, 20);
    for (int y = 0; y < 10; y++) {
      for (int x = 0; x < 20; x++) {
        int p = rgb.getRGB(x, y);
        assertThat(px[(y * 20 + x) * 3] & 0xff).isEqualTo((p >> 16) & 0xff);
        assertThat(px[(y * 20 + x) * 3 + 1] & 0xff).isEqualTo((p >> 8) & 0xff);
        assertThat(px[(y * 20 + x) * 3 + 2] & 0xff).isEqualTo(p & 0xff);
      }
    }
    BufferedImage gray = new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_GRAY);
    gray.getRaster().setSample(1, 2, 0, 77);
    save(gray, dir.resolve("g.png"));
    byte[] g = ImageFolderReader.decodeRgb(dir.resolve("g.png"), 4, 4);
    int o = (2 * 4 + 1) * 3;
    assertThat(new int[] {g[o] & 0xff, g[o + 1] & 0xff, g[o + 2] & 0xff}).containsExactly(77, 77, 77);
  }

  @Test
  void resizeAveragesOnDownscale() {
    // A 2-pixel-period stripe pattern downscaled by 4 must come out mid-gray, not aliased.
    BufferedImage img = new BufferedImage(40, 40, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 40; y++) {
      for (int x = 0; x < 40; x++) {
        img.setRGB(x, y, x % 2 == 0 ? 0xffffff : 0);
      }
    }
    save(img, dir.resolve("s.png"));
    byte[] px = ImageFolderReader.decodeRgb(dir.resolve("s.png"), 10, 10);
    for (int i = 3 * 10 * 2; i < 3 * 10 * 8; i++) {
      assertThat(px[i] & 0xff).isBetween(110, 145);
    }
  }

  @Test
  void caltechStratifiedSplitExcludesClutter() {
    Path cats = dir.resolve("caltech-101").resolve("101_ObjectCategories");
    String[] classes = {"accordion", "airplanes", "anchor"};
    for (int k = 0; k < classes.length; k++) {
      for (int i = 0; i < 10; i++) {
        save(image(30 + k, 20, k), cats.resolve(classes[k]).resolve(String.format("image_%04d.jpg", i + 1)));
      }
    }
    save(image(16, 16, 9), cats.resolve("BACKGROUND_Google").resolve("image_0001.jpg"));
    DataOptions o = DataOptions.builder().path(dir).imageSize(16, 24).testFraction(0.2).validationFraction(0.25)
        .seed(5).build();
    DatasetSplits s = Datasets.load("caltech101", o);
    assertThat(s.train().classNames()).containsExactly(classes);
    assertThat(s.test().countsPerClass()).containsExactly(2, 2, 2);
    assertThat(s.validation().countsPerClass()).containsExactly(2, 2, 2);
    assertThat(s.train().countsPerClass()).containsExactly(6, 6, 6);
    assertThat(s.train().shape()).containsExactly(18, 16, 24, 3);
    // Red channel encodes the class (k * 40); JPEG keeps it within a few levels.
    for (ImageDataset d : List.of(s.train(), s.validation(), s.test())) {
      for (int i = 0; i < d.size(); i++) {
        assertThat(d.pixel(i, 8, 12, 0)).isCloseTo(d.label(i) * 40, org.assertj.core.data.Offset.offset(6));
      }
    }
    DatasetSplits same = Datasets.load("caltech101", o);
    assertThat(same.test().labels()).isEqualTo(s.test().labels());
    assertThat(same.test().image(0)).isEqualTo(s.test().image(0));
    DatasetSplits clutter = Datasets.load("caltech101", o.toBuilder().includeClutter(true).path(cats).build());
    assertThat(clutter.train().classNames()).contains("BACKGROUND_Google").hasSize(4);
  }

  @Test
  void birdAndFruitsUsePublishedFolders() {
    Path birds = dir.resolve("birds");
    for (String split : List.of("train", "valid", "test")) {
      for (String c : List.of("ABBOTTS BABBLER", "ALBATROSS")) {
        for (int i = 0; i < 2; i++) {
          save(image(24, 24, c.length()), birds.resolve(split).resolve(c).resolve(i + ".jpg"));
        }
      }
    }
    DatasetSplits b = Datasets.load("bird225", DataOptions.builder().path(birds).imageSize(12, 12).build());
    assertThat(b.train().size()).isEqualTo(4);
    assertThat(b.validation().size()).isEqualTo(4);
    assertThat(b.test().countsPerClass()).containsExactly(2, 2);
    assertThat(b.train().classNames()).containsExactly("ABBOTTS BABBLER", "ALBATROSS");

    Path fruits = dir.resolve("fruits-360");
    for (String split : List.of("Training", "Test")) {
      for (String c : List.of("Apple Braeburn", "Banana", "Cherry 1")) {
        for (int i = 0; i < 5; i++) {
          save(image(100, 100, i), fruits.resolve(split).resolve(c).resolve(i + "_100.png"));
        }
      }
    }
    DatasetSplits f = Datasets.load("fruits360", DataOptions.builder().path(dir).validationFraction(0.2).build());
    assertThat(f.train().shape()).containsExactly(12, 100, 100, 3);
    assertThat(f.validation().countsPerClass()).containsExactly(1, 1, 1);
    assertThat(f.test().size()).isEqualTo(15);
    assertThat(f.info().source()).isEqualTo("explicit");
  }

  @Test
  void folderBadInputsNameTheFile() throws IOException {
    Path fruits = dir.resolve("f");
    for (String split : List.of("Training", "Test")) {
      save(image(10, 10, 1), fruits.resolve(split).resolve("Kiwi").resolve("0.png"));
    }
    DataOptions o = DataOptions.builder().path(fruits).validationSize(0).build();
    assertThat(Datasets.load("fruits360", o).train().size()).isEqualTo(1);

    Path notImage = write(fruits.resolve("Training/Kiwi/notes.jpg"), "just text".getBytes());
    assertThatThrownBy(() -> Datasets.load("fruits360", o)).isInstanceOf(DatasetException.class)
        .hasMessageContaining("notes.jpg").hasMessageContaining("not an image");
    Files.delete(notImage);

    byte[] jpeg = Files.readAllBytes(saveJpeg(fruits.resolve("tmp.jpg")));
    write(fruits.resolve("Training/Kiwi/broken.jpg"), Arrays.copyOf(jpeg, jpeg.length / 3));
    assertThatThrownBy(() -> Datasets.load("fruits360", o)).isInstanceOf(DatasetException.class)
        .hasMessageContaining("broken.jpg");
    Files.delete(fruits.resolve("Training/Kiwi/broken.jpg"));

    Files.createDirectories(fruits.resolve("Training/Lemon"));
    assertThatThrownBy(() -> Datasets.load("fruits360", o)).hasMessageContaining("Lemon")
        .hasMessageContaining("empty class folder");
    save(image(10, 10, 1), fruits.resolve("Training/Lemon/0.png"));
    assertThatThrownBy(() -> Datasets.load("fruits360", o)).hasMessageContaining("Test/Lemon")
        .hasMessageContaining("class folder missing");
  }

  private static Path saveJpeg(Path p) {
    save(image(64, 64, 2), p);
    return p;
  }
}
