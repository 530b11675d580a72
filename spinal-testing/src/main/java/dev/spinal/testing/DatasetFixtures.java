package dev.spinal.testing;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * Writes tiny copies of the paper's datasets in their publishers' exact layouts, so that a loader (or a whole
 * training run) can be tested where the real files cannot be fetched. The pixel values are deterministic functions
 * of the image's index (and class), so a test can check them after decoding.
 *
 * <ul>
 *   <li>STL-10: {@code stl10_binary/{train,test}_{X,y}.bin}: 96 x 96 x 3 images as uint8 channel planes R, G, B,
 *       each plane column-major; labels uint8 1..10.</li>
 *   <li>Bird-225: {@code train/ valid/ test/} of class folders of JPEGs.</li>
 *   <li>Fruits-360: {@code Training/ Test/} of class folders of PNGs ({@code <i>_100.png}).</li>
 *   <li>Caltech-101: {@code 101_ObjectCategories/<class>/image_0001.jpg}, with the {@code BACKGROUND_Google}
 *       clutter folder the loader leaves out.</li>
 * </ul>
 */
public final class DatasetFixtures {

  /** Bytes of one STL-10 image: 96 x 96 x 3. */
  public static final int STL10_IMAGE_BYTES = 96 * 96 * 3;

  private DatasetFixtures() {}

  /** Pixel (y, x, c) of STL-10 fixture image {@code i}, 0..255. */
  public static int stl10Pixel(int i, int y, int x, int c) {
    return (i * 11 + y * 7 + x * 3 + c * 101) & 0xff;
  }

  /** {@code n} STL-10 images as {@code *_X.bin} holds them: per image, channel planes R, G, B, each column-major. */
  public static byte[] stl10Images(int n) {
    byte[] raw = new byte[n * STL10_IMAGE_BYTES];
    for (int i = 0; i < n; i++) {
      for (int c = 0; c < 3; c++) {
        for (int x = 0; x < 96; x++) {
          for (int y = 0; y < 96; y++) {
            raw[i * STL10_IMAGE_BYTES + c * 9216 + x * 96 + y] = (byte) stl10Pixel(i, y, x, c);
          }
        }
      }
    }
    return raw;
  }

  /** {@code n} STL-10 labels as {@code *_y.bin} holds them: image i has label {@code i % 10 + 1} (1-based). */
  public static byte[] stl10Labels(int n) {
    byte[] l = new byte[n];
    for (int i = 0; i < n; i++) {
      l[i] = (byte) (i % 10 + 1);
    }
    return l;
  }

  /**
   * Writes {@code root/stl10_binary/}: {@code train} training and {@code test} test images with their labels.
   *
   * @return the {@code stl10_binary} folder
   */
  public static Path stl10(Path root, int train, int test) {
    Path b = root.resolve("stl10_binary");
    write(b.resolve("train_X.bin"), stl10Images(train));
    write(b.resolve("train_y.bin"), stl10Labels(train));
    write(b.resolve("test_X.bin"), stl10Images(test));
    write(b.resolve("test_y.bin"), stl10Labels(test));
    return b;
  }

  /**
   * Writes {@code root/{train,valid,test}/<class>/<i>.jpg}: {@code perSplit} images of {@code side x side} per class
   * and split.
   *
   * @return {@code root}
   */
  public static Path bird225(Path root, List<String> classes, int perSplit, int side) {
    for (String split : List.of("train", "valid", "test")) {
      classFolders(root.resolve(split), classes, perSplit, side, i -> i + ".jpg");
    }
    return root;
  }

  /**
   * Writes {@code root/{Training,Test}/<class>/<i>_100.png}: {@code perSplit} images of {@code side x side} per
   * class and split.
   *
   * @return {@code root}
   */
  public static Path fruits360(Path root, List<String> classes, int perSplit, int side) {
    for (String split : List.of("Training", "Test")) {
      classFolders(root.resolve(split), classes, perSplit, side, i -> i + "_100.png");
    }
    return root;
  }

  /**
   * Writes {@code root/101_ObjectCategories/<class>/image_0001.jpg, ...}: {@code perClass} images of
   * {@code side x side} per class, and one image in the {@code BACKGROUND_Google} clutter folder.
   *
   * @return the {@code 101_ObjectCategories} folder
   */
  public static Path caltech101(Path root, List<String> classes, int perClass, int side) {
    Path cats = root.resolve("101_ObjectCategories");
    classFolders(cats, classes, perClass, side, i -> String.format("image_%04d.jpg", i + 1));
    save(image(side, side, 9), cats.resolve("BACKGROUND_Google").resolve("image_0001.jpg"));
    return cats;
  }

  /**
   * A {@code w x h} RGB image: red encodes {@code seed} ({@code seed * 40 mod 256}), green rises with x, blue with y
   * (smooth, so JPEG keeps it within a few levels).
   */
  public static BufferedImage image(int w, int h, int seed) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int r = (seed * 40) & 0xff;
        int g = (x * 255) / Math.max(1, w - 1);
        int b = (y * 255) / Math.max(1, h - 1);
        img.setRGB(x, y, (r << 16) | (g << 8) | b);
      }
    }
    return img;
  }

  /** Writes {@code img} to {@code file} (creating its folder): PNG for a {@code .png} name, else JPEG. */
  public static Path save(BufferedImage img, Path file) {
    try {
      Files.createDirectories(file.getParent());
      String format = file.toString().endsWith(".png") ? "png" : "jpg";
      if (!ImageIO.write(img, format, file.toFile())) {
        throw new IllegalStateException("no ImageIO writer for " + format + " (" + file + ")");
      }
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  /** Writes {@code data} to {@code file}, creating its folder. */
  public static Path write(Path file, byte[] data) {
    try {
      Files.createDirectories(file.getParent());
      return Files.write(file, data);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  /** Class k's images have red = k * 40 (see {@link #image}), so the classes are told apart by colour. */
  private static void classFolders(Path dir, List<String> classes, int perClass, int side,
      java.util.function.IntFunction<String> fileName) {
    for (int k = 0; k < classes.size(); k++) {
      for (int i = 0; i < perClass; i++) {
        save(image(side, side, k), dir.resolve(classes.get(k)).resolve(fileName.apply(i)));
      }
    }
  }
}
