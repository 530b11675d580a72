package dev.spinal.datasets;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** Writes files in the publishers' exact layouts. */
final class Fixtures {
  private Fixtures() {}

  /** IDX bytes: 0, 0, type, ndims, big-endian dims, then {@code values}. */
  static byte[] idx(int type, int[] dims, byte[] values) {
    ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + values.length);
    b.put((byte) 0).put((byte) 0).put((byte) type).put((byte) dims.length);
    for (int d : dims) {
      b.putInt(d);
    }
    b.put(values);
    return b.array();
  }

  static byte[] idxInts(int[] dims, int[] values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 4);
    for (int v : values) {
      b.putInt(v);
    }
    return idx(0x0C, dims, b.array());
  }

  static byte[] gzip(byte[] data) {
    ByteArrayOutputStream bos = new ByteArrayOutputStream();
    try (OutputStream gz = new GZIPOutputStream(bos)) {
      gz.write(data);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bos.toByteArray();
  }

  static Path write(Path file, byte[] data) {
    try {
      Files.createDirectories(file.getParent());
      return Files.write(file, data);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** n images of 28x28 in MNIST order (row-major), pixel (i, y, x) = (i*7 + y*3 + x*5) mod 256. */
  static byte[] mnistPixels(int n) {
    byte[] px = new byte[n * 784];
    for (int i = 0; i < n; i++) {
      for (int y = 0; y < 28; y++) {
        for (int x = 0; x < 28; x++) {
          px[i * 784 + y * 28 + x] = (byte) pixel(i, y, x);
        }
      }
    }
    return px;
  }

  static int pixel(int i, int y, int x) {
    return (i * 7 + y * 3 + x * 5) & 0xff;
  }

  /** Writes the four MNIST-style files (gzipped) for n train and m test images; labels i % 10. */
  static void writeMnistLike(Path dir, String trainPrefix, String testPrefix, int n, int m, int labelOffset) {
    write(dir.resolve(trainPrefix + "images-idx3-ubyte.gz"), gzip(idx(8, new int[] {n, 28, 28}, mnistPixels(n))));
    write(dir.resolve(trainPrefix + "labels-idx1-ubyte.gz"), gzip(idx(8, new int[] {n}, labels(n, labelOffset))));
    write(dir.resolve(testPrefix + "images-idx3-ubyte.gz"), gzip(idx(8, new int[] {m, 28, 28}, mnistPixels(m))));
    write(dir.resolve(testPrefix + "labels-idx1-ubyte.gz"), gzip(idx(8, new int[] {m}, labels(m, labelOffset))));
  }

  static byte[] labels(int n, int offset) {
    byte[] l = new byte[n];
    for (int i = 0; i < n; i++) {
      l[i] = (byte) (i % 10 + offset);
    }
    return l;
  }
}
