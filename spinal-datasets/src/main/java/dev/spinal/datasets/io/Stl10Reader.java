package dev.spinal.datasets.io;

import dev.spinal.datasets.DatasetException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reads STL-10's binary files ({@code stl10_binary/}: {@code train_X.bin}, {@code test_X.bin},
 * {@code unlabeled_X.bin}, {@code train_y.bin}, {@code test_y.bin}).
 *
 * <p>{@code *_X.bin}: no header; uint8; each image is 3 x 96 x 96 = 27,648 bytes: the red plane, then green, then
 * blue, and each plane is stored <em>column-major</em> (all 96 pixels of column x=0 top to bottom, then column 1,
 * ...). In NumPy terms, as in STL-10's own {@code stl10_input.py}: {@code reshape(-1, 3, 96, 96)} followed by
 * {@code transpose(0, 3, 2, 1)} gives HWC. So stored byte {@code c*9216 + x*96 + y} is pixel (y, x), channel c.
 * This reader returns NHWC.
 *
 * <p>{@code *_y.bin}: one uint8 label per image, 1..10; returned as 0..9.
 */
public final class Stl10Reader {
  public static final int SIDE = 96;
  public static final int CHANNELS = 3;
  public static final int IMAGE_BYTES = SIDE * SIDE * CHANNELS;

  private Stl10Reader() {}

  /** Number of images in an {@code *_X.bin} file, checking that its size is a whole number of images. */
  public static int countImages(Path file) {
    long bytes = size(file);
    if (bytes % IMAGE_BYTES != 0) {
      throw new DatasetException(file, "size " + bytes + " is not a multiple of " + IMAGE_BYTES
          + " bytes (3x96x96 per image): truncated or not an STL-10 image file");
    }
    return (int) (bytes / IMAGE_BYTES);
  }

  /** Reads the first {@code limit} images (all if {@code limit < 0}) as NHWC uint8 {@code [n, 96, 96, 3]}. */
  public static byte[] readImages(Path file, int limit) {
    int total = countImages(file);
    int n = limit < 0 ? total : Math.min(limit, total);
    if ((long) n * IMAGE_BYTES > Integer.MAX_VALUE - 16) {
      throw new DatasetException(file, n + " images do not fit one array; pass a limit (the unlabeled split has "
          + "100,000 images)");
    }
    byte[] out = new byte[n * IMAGE_BYTES];
    byte[] raw = new byte[IMAGE_BYTES];
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 20)) {
      for (int k = 0; k < n; k++) {
        if (in.readNBytes(raw, 0, IMAGE_BYTES) != IMAGE_BYTES) {
          throw new DatasetException(file, "truncated while reading image " + k);
        }
        int base = k * IMAGE_BYTES;
        for (int c = 0; c < CHANNELS; c++) {
          int plane = c * SIDE * SIDE;
          for (int x = 0; x < SIDE; x++) {
            int col = plane + x * SIDE;
            for (int y = 0; y < SIDE; y++) {
              out[base + (y * SIDE + x) * CHANNELS + c] = raw[col + y];
            }
          }
        }
      }
    } catch (IOException e) {
      throw new DatasetException(file, "cannot read: " + e, e);
    }
    return out;
  }

  /** Reads labels 1..10 and returns them as 0..9. */
  public static int[] readLabels(Path file, int limit) {
    byte[] raw;
    try {
      raw = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new DatasetException(file, "file not found", e);
    } catch (IOException e) {
      throw new DatasetException(file, "cannot read: " + e, e);
    }
    int n = limit < 0 ? raw.length : Math.min(limit, raw.length);
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      int v = raw[i] & 0xff;
      if (v < 1 || v > 10) {
        throw new DatasetException(file, "label " + v + " at index " + i + " is outside 1..10");
      }
      labels[i] = v - 1;
    }
    return labels;
  }

  private static long size(Path file) {
    try {
      return Files.size(file);
    } catch (NoSuchFileException e) {
      throw new DatasetException(file, "file not found", e);
    } catch (IOException e) {
      throw new DatasetException(file, "cannot read: " + e, e);
    }
  }
}
