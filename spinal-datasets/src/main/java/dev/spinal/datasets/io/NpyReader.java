package dev.spinal.datasets.io;

import dev.spinal.datasets.DatasetException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Reads NumPy arrays: {@code .npy} files (format versions 1.0, 2.0 and 3.0) and {@code .npz} archives of them, as
 * {@code numpy.save}, {@code numpy.savez} and {@code numpy.savez_compressed} write them (and as
 * {@code keras.datasets} ships MNIST: {@code x_train}, {@code y_train}, {@code x_test}, {@code y_test}).
 *
 * <p>A {@code .npy} file is the magic {@code \x93NUMPY}, a version, the header length (uint16 little-endian in 1.0,
 * uint32 in 2.0/3.0), a Python dict literal {@code {'descr': '|u1', 'fortran_order': False, 'shape': (n, h, w), }}
 * and then the values. Read here: integer dtypes of 1, 2, 4 or 8 bytes ({@code |u1 |i1 <u2 <i2 <u4 <i4 <u8 <i8},
 * {@code |b1}) little-endian or byte-order-free, in C order. Big-endian data, Fortran order, object (pickled) and
 * structured arrays fail with a message saying how to re-save the array; floats and strings are read but refused
 * where integers are needed ({@link NpyArray#unsignedBytes}, {@link NpyArray#longs}).
 */
public final class NpyReader {
  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
  private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
  private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");
  /** Up to 8 digits of item size, so that a corrupt dtype cannot overflow an int (4 bytes per 'U' character). */
  private static final Pattern TYPE = Pattern.compile("([<>|=]?)([biufcUSMm])(\\d{1,8})");

  private NpyReader() {}

  /**
   * One array: its NumPy dtype ({@code descr}, e.g. {@code |u1}, {@code <i8}), its shape, and its values as raw
   * little-endian bytes in C order. {@code key} is its name inside an {@code .npz} (null for a {@code .npy} file).
   */
  public record NpyArray(Path file, String key, String dtype, long[] shape, byte[] data) {
    /** Number of values: the product of the shape. */
    public long count() {
      return NpyReader.count(shape);
    }

    /** {@code x_train} in an npz, or the file name of a {@code .npy}. */
    public String name() {
      return key != null ? key : file.getFileName().toString();
    }

    /** The shape as NumPy prints it, e.g. {@code (10, 28, 28)}. */
    public String shapeText() {
      return NpyReader.shapeText(shape);
    }

    /** A {@link DatasetException} about this array, naming the file (and the array, inside an npz). */
    public DatasetException error(String problem) {
      return new DatasetException(file, (key == null ? "" : "array '" + key + "': ") + problem);
    }

    /**
     * The values of a {@code uint8} array (images), as stored.
     *
     * @throws DatasetException for any other dtype, saying how to convert it
     */
    public byte[] unsignedBytes() {
      if (!kind().equals("u") || itemSize() != 1) {
        throw error("dtype " + dtype + " (" + typeName(dtype) + "), expected uint8 (|u1) pixels 0..255;"
            + " convert with x.astype('uint8') (floats in [0, 1]: (x * 255).round().astype('uint8'))");
      }
      return data;
    }

    /**
     * The values of an integer (or bool) array as longs.
     *
     * @throws DatasetException for floats, strings or unsigned 64-bit values beyond the long range
     */
    public long[] longs() {
      String kind = kind();
      if (!kind.equals("u") && !kind.equals("i") && !kind.equals("b")) {
        throw error("dtype " + dtype + " (" + typeName(dtype) + "), expected integers;"
            + " convert with y.astype('int64')");
      }
      int size = itemSize();
      ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
      long[] out = new long[(int) count()];
      boolean unsigned = !kind.equals("i");
      for (int i = 0; i < out.length; i++) {
        out[i] = switch (size) {
          case 1 -> unsigned ? b.get(i) & 0xffL : b.get(i);
          case 2 -> unsigned ? b.getShort(2 * i) & 0xffffL : b.getShort(2 * i);
          case 4 -> unsigned ? b.getInt(4 * i) & 0xffffffffL : b.getInt(4 * i);
          case 8 -> b.getLong(8 * i);
          default -> throw error("dtype " + dtype + ": integers of " + size + " bytes are not supported");
        };
        if (size == 8 && unsigned && out[i] < 0) {
          throw error("value at index " + i + " exceeds the int64 range");
        }
      }
      return out;
    }

    private String kind() {
      Matcher m = TYPE.matcher(dtype);
      return m.matches() ? m.group(2) : "?";
    }

    private int itemSize() {
      return NpyReader.itemSize(dtype);
    }
  }

  /** Reads one {@code .npy} file. */
  public static NpyArray read(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      return parse(file, null, in);
    } catch (NoSuchFileException e) {
      throw new DatasetException(file, "file not found", e);
    } catch (IOException e) {
      throw new DatasetException(file, "cannot read: " + e, e);
    }
  }

  /** An open {@code .npz} archive: its array names, and each array read on request. */
  public static final class Npz implements AutoCloseable {
    private final Path file;
    private final ZipFile zip;
    private final Map<String, ZipEntry> entries;

    private Npz(Path file, ZipFile zip, Map<String, ZipEntry> entries) {
      this.file = file;
      this.zip = zip;
      this.entries = entries;
    }

    /** The archive's array names (entry names without {@code .npy}), in archive order. */
    public Set<String> keys() {
      return entries.keySet();
    }

    /** Reads array {@code key}; fails naming the archive and the keys it holds when there is no such array. */
    public NpyArray read(String key) {
      ZipEntry e = entries.get(key);
      if (e == null) {
        throw new DatasetException(file, "no array '" + key + "' (arrays: " + String.join(", ", keys()) + ")");
      }
      try (InputStream in = zip.getInputStream(e)) {
        return parse(file, key, in);
      } catch (ZipException ex) {
        throw new DatasetException(file, "array '" + key + "': corrupt zip data (" + ex.getMessage() + ")", ex);
      } catch (IOException ex) {
        throw new DatasetException(file, "array '" + key + "': cannot read: " + ex, ex);
      }
    }

    @Override
    public void close() {
      try {
        zip.close();
      } catch (IOException e) {
        throw new DatasetException(file, "cannot close: " + e, e);
      }
    }
  }

  /** Opens an {@code .npz} archive (stored or deflated entries). */
  public static Npz openNpz(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new DatasetException(file, "file not found");
    }
    try {
      ZipFile zip = new ZipFile(file.toFile());
      Map<String, ZipEntry> entries = new LinkedHashMap<>();
      Enumeration<? extends ZipEntry> all = zip.entries();
      while (all.hasMoreElements()) {
        ZipEntry e = all.nextElement();
        if (!e.isDirectory() && e.getName().endsWith(".npy")) {
          entries.put(e.getName().substring(0, e.getName().length() - 4), e);
        }
      }
      if (entries.isEmpty()) {
        zip.close();
        throw new DatasetException(file, "holds no .npy arrays (not an .npz written by numpy.savez?)");
      }
      return new Npz(file, zip, entries);
    } catch (ZipException e) {
      throw new DatasetException(file, "not a readable .npz (zip) archive: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new DatasetException(file, "cannot read: " + e, e);
    }
  }

  /** Parses one {@code .npy} stream (header and data). */
  static NpyArray parse(Path file, String key, InputStream in) throws IOException {
    String where = key == null ? "" : "array '" + key + "': ";
    byte[] magic = in.readNBytes(8);
    if (magic.length < 8 || !Arrays.equals(Arrays.copyOf(magic, 6), MAGIC)) {
      throw new DatasetException(file, where + "not a .npy array (no \\x93NUMPY magic)");
    }
    int major = magic[6] & 0xff;
    int headerLength;
    if (major == 1) {
      byte[] len = in.readNBytes(2);
      if (len.length < 2) {
        throw new DatasetException(file, where + "truncated .npy header");
      }
      headerLength = (len[0] & 0xff) | (len[1] & 0xff) << 8;
    } else if (major == 2 || major == 3) {
      byte[] len = in.readNBytes(4);
      if (len.length < 4) {
        throw new DatasetException(file, where + "truncated .npy header");
      }
      headerLength = ByteBuffer.wrap(len).order(ByteOrder.LITTLE_ENDIAN).getInt();
    } else {
      throw new DatasetException(file, where + ".npy format version " + major + "." + (magic[7] & 0xff)
          + " is not supported (expected 1.0, 2.0 or 3.0)");
    }
    if (headerLength < 0 || headerLength > 1 << 20) {
      throw new DatasetException(file, where + "implausible .npy header length " + headerLength);
    }
    byte[] headerBytes = in.readNBytes(headerLength);
    if (headerBytes.length < headerLength) {
      throw new DatasetException(file, where + "truncated .npy header");
    }
    String header = new String(headerBytes, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
    Matcher descr = DESCR.matcher(header);
    Matcher fortran = FORTRAN.matcher(header);
    Matcher shapeMatch = SHAPE.matcher(header);
    if (!descr.find()) {
      throw new DatasetException(file, where + "structured dtype or unreadable header " + header.strip()
          + "; save a plain array (e.g. numpy.save(f, x.astype('uint8')))");
    }
    if (!fortran.find() || !shapeMatch.find()) {
      throw new DatasetException(file, where + "unreadable .npy header " + header.strip());
    }
    String dtype = descr.group(1);
    if (dtype.equals("|O") || dtype.equals("O")) {
      throw new DatasetException(file, where + "an object array (pickled Python objects) cannot be read;"
          + " save a numeric array");
    }
    Matcher t = TYPE.matcher(dtype);
    if (!t.matches() || itemSize(dtype) == 0) {
      throw new DatasetException(file, where + "dtype " + dtype + " is not supported");
    }
    if (t.group(1).equals(">") && itemSize(dtype) > 1) {
      throw new DatasetException(file, where + "big-endian dtype " + dtype
          + " is not supported; save it little-endian: x.astype('<" + t.group(2) + t.group(3) + "')");
    }
    if (fortran.group(1).equals("True")) {
      throw new DatasetException(file, where + "Fortran (column-major) order is not supported;"
          + " save numpy.ascontiguousarray(x)");
    }
    long[] shape = parseShape(shapeMatch.group(1), file, where);
    long values = count(shape);
    long expected = values > Long.MAX_VALUE / itemSize(dtype) ? Long.MAX_VALUE : values * itemSize(dtype);
    if (expected > Integer.MAX_VALUE - 16) {
      throw new DatasetException(file, where + "shape " + shapeText(shape) + " of " + dtype + " holds "
          + (expected == Long.MAX_VALUE ? "more than 2^63" : String.valueOf(expected))
          + " bytes, more than one array can hold");
    }
    byte[] data = in.readNBytes((int) expected);
    if (data.length < expected) {
      throw new DatasetException(file, where + "truncated: the header announces shape " + shapeText(shape)
          + " of " + dtype + " (" + expected + " bytes of data) but only " + data.length + " bytes follow");
    }
    if (in.read() != -1) {
      throw new DatasetException(file, where + "trailing bytes after the " + expected
          + " bytes announced by the header (shape " + shapeText(shape) + " of " + dtype + ")");
    }
    return new NpyArray(file, key, dtype, shape, data);
  }

  private static long[] parseShape(String text, Path file, String where) {
    List<Long> dims = new ArrayList<>();
    for (String part : text.split(",")) {
      String p = part.strip();
      if (p.endsWith("L")) {
        p = p.substring(0, p.length() - 1); // Python 2's long literals
      }
      if (p.isEmpty()) {
        continue;
      }
      try {
        long d = Long.parseLong(p);
        if (d < 0) {
          throw new NumberFormatException();
        }
        dims.add(d);
      } catch (NumberFormatException e) {
        throw new DatasetException(file, where + "bad shape (" + text + ") in the .npy header");
      }
    }
    return dims.stream().mapToLong(Long::longValue).toArray();
  }

  /** The product of the shape, or {@code Long.MAX_VALUE} beyond the long range (a corrupt header's sizes). */
  static long count(long[] shape) {
    long n = 1;
    for (long d : shape) {
      if (d == 0) {
        return 0;
      }
    }
    for (long d : shape) {
      if (n > Long.MAX_VALUE / d) {
        return Long.MAX_VALUE;
      }
      n *= d;
    }
    return n;
  }

  static String shapeText(long[] shape) {
    if (shape.length == 1) {
      return "(" + shape[0] + ",)";
    }
    return Arrays.stream(shape).mapToObj(Long::toString).collect(Collectors.joining(", ", "(", ")"));
  }

  static int itemSize(String dtype) {
    Matcher m = TYPE.matcher(dtype);
    if (!m.matches()) {
      return 1;
    }
    int digits = Integer.parseInt(m.group(3));
    return m.group(2).equals("U") ? 4 * digits : digits;
  }

  static String typeName(String dtype) {
    Matcher m = TYPE.matcher(dtype);
    if (!m.matches()) {
      return dtype;
    }
    int bits = 8 * Integer.parseInt(m.group(3));
    return switch (m.group(2)) {
      case "u" -> "uint" + bits;
      case "i" -> "int" + bits;
      case "f" -> "float" + bits;
      case "b" -> "bool";
      case "c" -> "complex" + bits;
      case "U", "S" -> "string";
      default -> "datetime";
    };
  }
}
