package dev.spinal.datasets;

import static dev.spinal.datasets.Fixtures.gzip;
import static dev.spinal.datasets.Fixtures.idx;

import dev.spinal.datasets.io.NpzWriter;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/** A user's own files, tiny, written the way the tools users have write them (ImageIO PNGs, IDX, numpy .npz). */
final class UserFixtures {
  static final List<String> ANIMALS = List.of("cat", "dog", "fox");

  private UserFixtures() {}

  /** Pixel (y, x, c) of image {@code i} of class {@code k}: distinct per class, varying per image. */
  static int pixel(int k, int i, int y, int x, int c) {
    return (k * 80 + i * 3 + y * 2 + x + c * 29) & 0xff;
  }

  /** An h x w RGB image of class {@code k}. */
  static BufferedImage rgb(int k, int i, int h, int w) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        img.setRGB(x, y, pixel(k, i, y, x, 0) << 16 | pixel(k, i, y, x, 1) << 8 | pixel(k, i, y, x, 2));
      }
    }
    return img;
  }

  static Path png(BufferedImage img, Path file) {
    try {
      Files.createDirectories(file.getParent());
      ImageIO.write(img, "png", file.toFile());
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code root/<class>/img<i>.png}, {@code perClass} images of h x w per class. */
  static void classTree(Path root, List<String> classes, int perClass, int h, int w) {
    for (int k = 0; k < classes.size(); k++) {
      for (int i = 0; i < perClass; i++) {
        png(rgb(k, i, h, w), root.resolve(classes.get(k)).resolve(String.format("img%02d.png", i)));
      }
    }
  }

  /** n gray h x w images, image i of class i % classes. */
  static byte[] grayPixels(int n, int h, int w, int classes) {
    byte[] px = new byte[n * h * w];
    for (int i = 0; i < n; i++) {
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          px[(i * h + y) * w + x] = (byte) pixel(i % classes, i, y, x, 0);
        }
      }
    }
    return px;
  }

  static byte[] labels(int n, int classes) {
    byte[] l = new byte[n];
    for (int i = 0; i < n; i++) {
      l[i] = (byte) (i % classes);
    }
    return l;
  }

  /** MNIST-named IDX files (gzipped): n train and m test images of 28x28, labels i % classes. */
  static void idxFolder(Path dir, int n, int m, int classes) {
    Fixtures.write(dir.resolve("train-images-idx3-ubyte.gz"),
        gzip(idx(8, new int[] {n, 28, 28}, grayPixels(n, 28, 28, classes))));
    Fixtures.write(dir.resolve("train-labels-idx1-ubyte.gz"), gzip(idx(8, new int[] {n}, labels(n, classes))));
    Fixtures.write(dir.resolve("t10k-images-idx3-ubyte.gz"),
        gzip(idx(8, new int[] {m, 28, 28}, grayPixels(m, 28, 28, classes))));
    Fixtures.write(dir.resolve("t10k-labels-idx1-ubyte.gz"), gzip(idx(8, new int[] {m}, labels(m, classes))));
  }

  /** n RGB h x w images NHWC, image i of class i % classes. */
  static byte[] rgbPixels(int n, int h, int w, int classes) {
    byte[] px = new byte[n * h * w * 3];
    for (int i = 0; i < n; i++) {
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          for (int c = 0; c < 3; c++) {
            px[((i * h + y) * w + x) * 3 + c] = (byte) pixel(i % classes, i, y, x, c);
          }
        }
      }
    }
    return px;
  }

  static long[] longLabels(int n, int classes) {
    long[] l = new long[n];
    for (int i = 0; i < n; i++) {
      l[i] = i % classes;
    }
    return l;
  }

  /** keras.datasets' layout: x_train (n, h, w, 3) uint8, y_train int64, x_test, y_test. */
  static Path kerasNpz(Path file, int n, int m, int h, int w, int classes) {
    try {
      Files.createDirectories(file.getParent());
      try (NpzWriter npz = NpzWriter.create(file)) {
        npz.putUnsignedBytes("x_train", new long[] {n, h, w, 3}, rgbPixels(n, h, w, classes));
        npz.putLongs("y_train", new long[] {n}, longLabels(n, classes));
        npz.putUnsignedBytes("x_test", new long[] {m, h, w, 3}, rgbPixels(m, h, w, classes));
        npz.putLongs("y_test", new long[] {m}, longLabels(m, classes));
      }
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Path write(Path file, String text) {
    try {
      Files.createDirectories(file.getParent());
      return Files.writeString(file, text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
