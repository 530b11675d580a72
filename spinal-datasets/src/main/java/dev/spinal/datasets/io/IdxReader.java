package dev.spinal.datasets.io;

import dev.spinal.datasets.DatasetException;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads IDX files, the format of MNIST, Fashion-MNIST, KMNIST, EMNIST and QMNIST, gzip-compressed or raw (detected
 * from the gzip magic bytes, not the file name).
 *
 * <p>Layout (all integers big-endian): two zero bytes, a type code ({@code 0x08} uint8, {@code 0x0C} int32, ...),
 * the number of dimensions {@code d}, then {@code d} int32 sizes, then the values in row-major order. Images are
 * {@code idx3} uint8 {@code [n, rows, cols]}; labels {@code idx1} uint8 {@code [n]}; QMNIST's extended labels are
 * {@code idx2} int32 {@code [n, 8]}.
 *
 * <p>Every read checks the magic, the type, the number of dimensions, and that exactly the announced number of
 * bytes follows the header (neither fewer — a truncated file — nor more). The announced size is checked against the
 * file's size before anything is allocated, so a corrupt header fails at once instead of reserving gigabytes.
 * Every problem is a {@link DatasetException} naming the file. Optionally it computes a digest of the
 * whole decompressed payload (header included), which is what the registry's payload checksums are taken over.
 */
public final class IdxReader {
  public static final int UBYTE = 0x08;
  public static final int INT32 = 0x0C;
  /** Deflate's largest compression ratio (runs of one byte), bounding what a gzip file can decompress to. */
  static final long MAX_DEFLATE_RATIO = 1032;

  private IdxReader() {}

  /** A decoded IDX file: its dimensions, its values as raw big-endian bytes, and the digest if one was asked for. */
  public record IdxData(Path file, int type, int[] dims, byte[] values, String digest) {
    public int count() {
      return dims[0];
    }
  }

  /** idx3 uint8 images {@code [n, rows, cols]}; {@code values} holds the {@code n*rows*cols} pixels. */
  public static IdxData readImages(Path file, String digestAlgorithm) {
    return read(file, UBYTE, 3, digestAlgorithm);
  }

  /** idx1 uint8 labels {@code [n]}. */
  public static IdxData readLabels(Path file, String digestAlgorithm) {
    return read(file, UBYTE, 1, digestAlgorithm);
  }

  /** idx2 int32 table {@code [n, cols]} (QMNIST's extended labels). */
  public static IdxData readIntTable(Path file, String digestAlgorithm) {
    return read(file, INT32, 2, digestAlgorithm);
  }

  /** The uint8 values as ints 0..255. */
  public static int[] unsignedBytes(IdxData data) {
    int[] out = new int[data.values().length];
    for (int i = 0; i < out.length; i++) {
      out[i] = data.values()[i] & 0xff;
    }
    return out;
  }

  /** Column {@code col} of an int32 table {@code [n, cols]}. */
  public static int[] intColumn(IdxData table, int col) {
    int n = table.dims()[0];
    int cols = table.dims()[1];
    ByteBuffer buf = ByteBuffer.wrap(table.values()).order(ByteOrder.BIG_ENDIAN);
    int[] out = new int[n];
    for (int i = 0; i < n; i++) {
      out[i] = buf.getInt((i * cols + col) * 4);
    }
    return out;
  }

  /**
   * Transposes each {@code rows x cols} image in place: EMNIST stores its images transposed relative to MNIST
   * (column-major), so {@code fixed[y][x] = stored[x][y]}. Requires square images.
   */
  public static void transposeImages(byte[] pixels, int n, int rows, int cols) {
    if (rows != cols) {
      throw new IllegalArgumentException("transpose needs square images, got " + rows + "x" + cols);
    }
    int size = rows * cols;
    for (int k = 0; k < n; k++) {
      int base = k * size;
      for (int y = 0; y < rows; y++) {
        for (int x = y + 1; x < cols; x++) {
          int a = base + y * cols + x;
          int b = base + x * cols + y;
          byte t = pixels[a];
          pixels[a] = pixels[b];
          pixels[b] = t;
        }
      }
    }
  }

  /** Opens {@code file}, transparently gunzipping it when it starts with the gzip magic bytes. */
  public static InputStream open(Path file) throws IOException {
    InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
    raw.mark(2);
    int b0 = raw.read();
    int b1 = raw.read();
    raw.reset();
    if (b0 == 0x1f && b1 == 0x8b) {
      return new GZIPInputStream(raw, 1 << 16);
    }
    return raw;
  }

  static boolean isGzip(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return in.read() == 0x1f && in.read() == 0x8b;
    }
  }

  /** Reads an IDX file of the given element type and number of dimensions. */
  public static IdxData read(Path file, int expectedType, int expectedDims, String digestAlgorithm) {
    MessageDigest md = digestAlgorithm == null ? null : Checksums.newDigest(digestAlgorithm);
    try (InputStream in = open(file)) {
      boolean gzip = in instanceof GZIPInputStream;
      byte[] magic = in.readNBytes(4);
      if (magic.length < 4) {
        throw new DatasetException(file, "truncated: " + magic.length + " bytes, too short for an IDX header");
      }
      int type = magic[2] & 0xff;
      int ndims = magic[3] & 0xff;
      if (magic[0] != 0 || magic[1] != 0 || type != expectedType || ndims != expectedDims) {
        throw new DatasetException(file, String.format(
            "wrong magic number 0x%02x%02x%02x%02x: expected 0x0000%02x%02x (IDX, %s, %d dimensions)",
            magic[0], magic[1], magic[2], magic[3], expectedType, expectedDims, typeName(expectedType),
            expectedDims));
      }
      byte[] dimBytes = in.readNBytes(4 * ndims);
      if (dimBytes.length < 4 * ndims) {
        throw new DatasetException(file, "truncated inside the IDX header (dimension sizes)");
      }
      ByteBuffer db = ByteBuffer.wrap(dimBytes).order(ByteOrder.BIG_ENDIAN);
      int[] dims = new int[ndims];
      for (int d = 0; d < ndims; d++) {
        dims[d] = db.getInt();
        if (dims[d] < 0) {
          throw new DatasetException(file, "negative dimension " + dims[d] + " in the IDX header");
        }
      }
      long count = dataBytes(type, dims);
      if (count > Integer.MAX_VALUE - 16) {
        throw new DatasetException(file, "the IDX header announces dimensions " + Arrays.toString(dims)
            + ", more bytes than one array can hold (a corrupt header?)");
      }
      // A corrupt size field must not allocate gigabytes: check the announced bytes against what the file can hold
      // before allocating (a raw file exactly, a gzip file by deflate's largest ratio, about 1032:1).
      long header = 4L + 4L * ndims;
      long stored = Files.size(file);
      if (gzip) {
        long most = stored * MAX_DEFLATE_RATIO + 1024;
        if (header + count > most) {
          throw new DatasetException(file, "truncated or corrupt: the header announces dimensions "
              + Arrays.toString(dims) + " (" + count + " bytes of data), more than a gzip file of " + stored
              + " bytes can hold");
        }
      } else if (header + count > stored) {
        throw new DatasetException(file, "truncated: the header announces dimensions " + Arrays.toString(dims)
            + " (" + count + " bytes of data) but only " + Math.max(0, stored - header) + " bytes follow");
      }
      byte[] values = new byte[(int) count];
      int got = readFully(in, values);
      if (got < values.length) {
        throw new DatasetException(file, "truncated: the header announces dimensions " + Arrays.toString(dims)
            + " (" + values.length + " bytes of data) but only " + got + " bytes follow");
      }
      if (in.read() != -1) {
        throw new DatasetException(file, "trailing bytes after the " + values.length
            + " bytes announced by the header " + Arrays.toString(dims) + " (not an IDX file, or a wrong header)");
      }
      String digest = null;
      if (md != null) {
        md.update(magic);
        md.update(dimBytes);
        md.update(values);
        digest = HexFormat.of().formatHex(md.digest());
      }
      return new IdxData(file, type, dims, values, digest);
    } catch (NoSuchFileException e) {
      throw new DatasetException(file, "file not found", e);
    } catch (EOFException e) {
      throw new DatasetException(file, "truncated gzip stream (" + e.getMessage() + ")", e);
    } catch (ZipException e) {
      throw new DatasetException(file, "corrupt gzip data (" + e.getMessage() + ")", e);
    } catch (IOException e) {
      throw new DatasetException(file, "cannot read: " + e, e);
    }
  }

  /**
   * Bytes of data the dimensions announce, or {@code Long.MAX_VALUE} beyond the long range (four int32 sizes can
   * multiply past it).
   */
  static long dataBytes(int type, int[] dims) {
    long count = elementSize(type);
    for (int d : dims) {
      if (d == 0) {
        return 0;
      }
    }
    for (int d : dims) {
      if (count > Long.MAX_VALUE / d) {
        return Long.MAX_VALUE;
      }
      count *= d;
    }
    return count;
  }

  private static int readFully(InputStream in, byte[] dst) throws IOException {
    int off = 0;
    while (off < dst.length) {
      int n = in.read(dst, off, Math.min(dst.length - off, 1 << 20));
      if (n < 0) {
        break;
      }
      off += n;
    }
    return off;
  }

  private static int elementSize(int type) {
    switch (type) {
      case 0x08:
      case 0x09:
        return 1;
      case 0x0B:
        return 2;
      case 0x0C:
      case 0x0D:
        return 4;
      case 0x0E:
        return 8;
      default:
        throw new IllegalArgumentException("unknown IDX type 0x" + Integer.toHexString(type));
    }
  }

  private static String typeName(int type) {
    return switch (type) {
      case 0x08 -> "uint8";
      case 0x0C -> "int32";
      default -> "type 0x" + Integer.toHexString(type);
    };
  }
}
