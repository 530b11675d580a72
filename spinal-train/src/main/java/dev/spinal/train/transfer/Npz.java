package dev.spinal.train.transfer;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes NumPy {@code .npz} files (a zip of {@code NAME.npy}, format 1.0, little-endian, C order) so
 * that Python can check what Java computed: {@code numpy.load(path)[NAME]}. float32 and int64 only.
 * The file is written beside its target and renamed into place.
 */
public final class Npz {

  private final Map<String, byte[]> entries = new LinkedHashMap<>();

  /** Adds a float32 array of {@code shape}. */
  public Npz floats(String name, long[] shape, float[] values) {
    ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(values);
    return put(name, "<f4", shape, values.length, b.array());
  }

  /** Adds an int64 array of {@code shape}. */
  public Npz longs(String name, long[] shape, long[] values) {
    ByteBuffer b = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    b.asLongBuffer().put(values);
    return put(name, "<i8", shape, values.length, b.array());
  }

  private Npz put(String name, String dtype, long[] shape, int count, byte[] data) {
    long size = 1;
    StringBuilder dims = new StringBuilder();
    for (long d : shape) {
      size *= d;
      dims.append(d).append(", ");
    }
    if (size != count) {
      throw new IllegalArgumentException(name + ": " + count + " values for shape " + java.util.Arrays.toString(shape));
    }
    String tuple = shape.length == 1 ? dims.toString().trim() : dims.length() == 0 ? "" : dims.substring(0, dims.length() - 2);
    String header = "{'descr': '" + dtype + "', 'fortran_order': False, 'shape': (" + tuple + "), }";
    int total = 10 + header.length() + 1;
    int pad = (64 - total % 64) % 64;
    header = header + " ".repeat(pad) + "\n";
    byte[] h = header.getBytes(StandardCharsets.US_ASCII);
    ByteBuffer out = ByteBuffer.allocate(10 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
    out.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
    out.putShort((short) h.length).put(h).put(data);
    entries.put(name, out.array());
    return this;
  }

  /** Writes the archive to {@code path} (atomically). */
  public void write(Path path) throws IOException {
    Path dir = path.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, ".npz-", ".tmp");
    try (OutputStream os = Files.newOutputStream(tmp); ZipOutputStream zip = new ZipOutputStream(os)) {
      for (Map.Entry<String, byte[]> e : entries.entrySet()) {
        zip.putNextEntry(new ZipEntry(e.getKey() + ".npy"));
        zip.write(e.getValue());
        zip.closeEntry();
      }
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(tmp);
      throw e;
    }
    Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
