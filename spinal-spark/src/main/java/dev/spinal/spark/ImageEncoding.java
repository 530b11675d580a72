package dev.spinal.spark;

import dev.spinal.datasets.DatasetException;
import dev.spinal.datasets.io.ImageFolderReader;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.ShortType;

/**
 * How an image column holds its images; each row becomes the model's input {@code [H, W, C]} float32,
 * pixels / 255, as training and evaluation feed it.
 */
public enum ImageEncoding {
  /**
   * The bytes of an image file (PNG, JPEG, BMP, GIF; a {@code binary} column, e.g. Spark's
   * {@code binaryFile} source's {@code content}): decoded, converted to the model's channels and
   * resized to its size exactly as {@code spinal predict} decodes a file.
   */
  ENCODED,
  /**
   * {@code H * W * C} pixel values 0..255 in HWC order: a {@code binary} column (one unsigned byte each)
   * or an array of integers; divided by 255.
   */
  UINT8,
  /** {@code H * W * C} floats in [0, 1] (pixels / 255, the export's input) in HWC order: an array of floats or doubles. */
  FLOAT;

  /**
   * The encoding a column of {@code type} holds by default: binary is {@link #ENCODED}, an array of
   * integers {@link #UINT8}, an array of floats or doubles {@link #FLOAT}.
   *
   * @throws IllegalArgumentException for any other type, naming the column
   */
  public static ImageEncoding of(String column, DataType type) {
    if (type instanceof BinaryType) {
      return ENCODED;
    }
    if (type instanceof ArrayType a) {
      DataType e = a.elementType();
      if (e instanceof ByteType || e instanceof ShortType || e instanceof IntegerType || e instanceof LongType) {
        return UINT8;
      }
      if (e instanceof FloatType || e instanceof DoubleType) {
        return FLOAT;
      }
    }
    throw new IllegalArgumentException("image column '" + column + "' is " + type.simpleString() + "; expected binary"
        + " (an encoded image, or raw uint8 pixels with the UINT8 encoding), an array of integers 0..255 or an array"
        + " of floats in [0, 1]");
  }

  /** Fails unless a column of {@code type} can hold this encoding. */
  void check(String column, DataType type) {
    boolean ok = switch (this) {
      case ENCODED -> type instanceof BinaryType;
      case UINT8 -> type instanceof BinaryType || of(column, type) == UINT8;
      case FLOAT -> type instanceof ArrayType && of(column, type) == FLOAT;
    };
    if (!ok) {
      throw new IllegalArgumentException("image column '" + column + "' is " + type.simpleString() + ", which cannot"
          + " hold " + this + " images");
    }
  }

  /** A row whose image cannot be read: the row's result carries the message instead of a prediction. */
  static final class BadImage extends Exception {
    private static final long serialVersionUID = 1L;

    BadImage(String message) {
      super(message);
    }
  }

  /**
   * Pixels / 255, HWC, of the image in {@code row}'s field {@code index}.
   *
   * @param id the row's id, for messages
   * @throws BadImage when the value is null, cannot be decoded, or has another number of values
   */
  float[] pixels(Row row, int index, String id, int h, int w, int c) throws BadImage {
    if (row.isNullAt(index)) {
      throw new BadImage("no image (null)");
    }
    int n = h * w * c;
    switch (this) {
      case ENCODED -> {
        byte[] hwc;
        try {
          hwc = ImageFolderReader.decode((byte[]) row.get(index), id, h, w, c);
        } catch (DatasetException e) {
          throw new BadImage(e.getMessage());
        }
        return scaled(hwc);
      }
      case UINT8 -> {
        Object value = row.get(index);
        if (value instanceof byte[] bytes) {
          checkCount(bytes.length, n, h, w, c);
          return scaled(bytes);
        }
        List<Object> values = row.getList(index);
        checkCount(values.size(), n, h, w, c);
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
          Object v = values.get(i);
          if (v == null) {
            throw new BadImage("pixel " + i + " is null");
          }
          long p = ((Number) v).longValue();
          if (p < 0 || p > 255) {
            throw new BadImage("pixel " + i + " is " + p + ", outside 0..255");
          }
          out[i] = UNIT[(int) p];
        }
        return out;
      }
      default -> {
        List<Object> values = row.getList(index);
        checkCount(values.size(), n, h, w, c);
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
          Object v = values.get(i);
          if (v == null) {
            throw new BadImage("pixel " + i + " is null");
          }
          out[i] = ((Number) v).floatValue();
          if (!Float.isFinite(out[i])) {
            throw new BadImage("pixel " + i + " is " + out[i]);
          }
        }
        return out;
      }
    }
  }

  private static void checkCount(int got, int n, int h, int w, int c) throws BadImage {
    if (got != n) {
      throw new BadImage("the image has " + got + " values; the model takes " + h + "x" + w + "x" + c + " = " + n);
    }
  }

  /**
   * Pixel value to the model's input: {@code v * (float) (1 / 255.0)}, exactly what training's and
   * evaluation's batches ({@code BatchStream}, {@code Normalization.UNIT}) feed, so that features
   * computed here are the trainer's. (For 126 of the 256 values it is 1 ulp off {@code v / 255f}.)
   */
  private static final float[] UNIT = new float[256];

  static {
    float scale = (float) (1.0 / 255.0);
    for (int v = 0; v < 256; v++) {
      UNIT[v] = v * scale;
    }
  }

  /** Model input of one pixel value 0..255. */
  static float unit(int v) {
    return UNIT[v];
  }

  private static float[] scaled(byte[] hwc) {
    float[] out = new float[hwc.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = UNIT[hwc[i] & 0xff];
    }
    return out;
  }
}
