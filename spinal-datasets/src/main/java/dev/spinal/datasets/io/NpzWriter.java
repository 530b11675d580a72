package dev.spinal.datasets.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes NumPy {@code .npz} archives: a zip of {@code NAME.npy} entries (format version 1.0,
 * little-endian, C order), readable by {@code numpy.load(path)[NAME]}. Names may contain {@code /}.
 * Float32, float64, int32, int64 and uint8 arrays of any shape (a scalar is shape {@code []}), or any dtype
 * with {@link #putRaw} (for files that test readers).
 */
public final class NpzWriter implements AutoCloseable {

  private final ZipOutputStream zip;

  private NpzWriter(OutputStream out) {
    this.zip = new ZipOutputStream(out);
  }

  /** Opens {@code path} for writing, replacing it. */
  public static NpzWriter create(Path path) throws IOException {
    return new NpzWriter(Files.newOutputStream(path));
  }

  public void putFloats(String name, long[] shape, float[] values) throws IOException {
    checkSize(name, shape, values.length);
    ByteBuffer data = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    data.asFloatBuffer().put(values);
    put(name, "<f4", shape, data.array());
  }

  public void putDoubles(String name, long[] shape, double[] values) throws IOException {
    checkSize(name, shape, values.length);
    ByteBuffer data = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    data.asDoubleBuffer().put(values);
    put(name, "<f8", shape, data.array());
  }

  public void putInts(String name, long[] shape, int[] values) throws IOException {
    checkSize(name, shape, values.length);
    ByteBuffer data = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    data.asIntBuffer().put(values);
    put(name, "<i4", shape, data.array());
  }

  public void putLongs(String name, long[] shape, long[] values) throws IOException {
    checkSize(name, shape, values.length);
    ByteBuffer data = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    data.asLongBuffer().put(values);
    put(name, "<i8", shape, data.array());
  }

  /** A {@code |u1} (uint8) array, e.g. images {@code [n, h, w]} or {@code [n, h, w, c]}. */
  public void putUnsignedBytes(String name, long[] shape, byte[] values) throws IOException {
    checkSize(name, shape, values.length);
    put(name, "|u1", shape, values.clone());
  }

  /** An array of NumPy dtype {@code descr} (e.g. {@code <i2}) whose values are {@code data}, written as given. */
  public void putRaw(String name, String descr, long[] shape, byte[] data) throws IOException {
    put(name, descr, shape, data);
  }

  /** Writes one {@code .npy} file (format 1.0) of dtype {@code descr} holding {@code data} as given. */
  public static void writeNpy(Path file, String descr, long[] shape, byte[] data) throws IOException {
    Files.write(file, npy(descr, shape, data));
  }

  private static void checkSize(String name, long[] shape, int length) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    if (n != length) {
      throw new IllegalArgumentException(
          name + ": shape holds " + n + " elements but " + length + " values were given");
    }
  }

  /** One {@code .npy} file: magic, version 1.0, header length, header dict padded to 64 bytes, data. */
  static byte[] npy(String descr, long[] shape, byte[] data) {
    StringBuilder dims = new StringBuilder();
    for (long d : shape) {
      dims.append(d).append(", ");
    }
    String shapeText = shape.length == 1 ? "(" + shape[0] + ",)"
        : "(" + (shape.length == 0 ? "" : dims.substring(0, dims.length() - 2)) + ")";
    String header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shapeText + ", }";
    int unpadded = 10 + header.length() + 1; // magic(6) + version(2) + length(2) + header + '\n'
    int padding = (64 - unpadded % 64) % 64;
    header = header + " ".repeat(padding) + "\n";
    ByteArrayOutputStream out = new ByteArrayOutputStream(10 + header.length() + data.length);
    out.write(0x93);
    out.writeBytes("NUMPY".getBytes(StandardCharsets.US_ASCII));
    out.write(1);
    out.write(0);
    int len = header.length();
    out.write(len & 0xff);
    out.write((len >>> 8) & 0xff);
    out.writeBytes(header.getBytes(StandardCharsets.US_ASCII));
    out.writeBytes(data);
    return out.toByteArray();
  }

  private void put(String name, String descr, long[] shape, byte[] data) throws IOException {
    byte[] bytes = npy(descr, shape, data);
    // Stored, not deflated: numpy reads both; stored keeps writing cheap for large weights.
    ZipEntry entry = new ZipEntry(name + ".npy");
    entry.setMethod(ZipEntry.STORED);
    entry.setSize(bytes.length);
    entry.setCompressedSize(bytes.length);
    CRC32 crc = new CRC32();
    crc.update(bytes);
    entry.setCrc(crc.getValue());
    zip.putNextEntry(entry);
    zip.write(bytes);
    zip.closeEntry();
  }

  @Override
  public void close() throws IOException {
    zip.close();
  }
}
