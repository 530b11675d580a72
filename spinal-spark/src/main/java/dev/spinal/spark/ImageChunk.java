package dev.spinal.spark;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.sql.Row;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

/**
 * Up to one batch of a partition's rows, read in order, with their images as one model input: the
 * rows whose image could be read are stacked into {@code [good, H, W, C]}, the others keep their
 * reason.
 */
final class ImageChunk {

  final List<Row> rows;
  /** Per row: null, or why its image could not be read. */
  final String[] errors;
  private final float[] pixels;
  private final int good;
  private final int h;
  private final int w;
  private final int c;

  private ImageChunk(List<Row> rows, String[] errors, float[] pixels, int good, int h, int w, int c) {
    this.rows = rows;
    this.errors = errors;
    this.pixels = pixels;
    this.good = good;
    this.h = h;
    this.w = w;
    this.c = c;
  }

  /**
   * Reads up to {@code batchSize} rows of {@code in}; field {@code idIndex} names a row in messages,
   * field {@code imageIndex} holds its image in {@code encoding}, made {@code h x w x c}.
   */
  static ImageChunk read(Iterator<Row> in, int batchSize, ImageEncoding encoding, int idIndex, int imageIndex, int h,
      int w, int c) {
    int size = h * w * c;
    List<Row> rows = new ArrayList<>(batchSize);
    String[] errors = new String[batchSize];
    float[] pixels = new float[batchSize * size];
    int good = 0;
    while (rows.size() < batchSize && in.hasNext()) {
      Row row = in.next();
      try {
        float[] p = encoding.pixels(row, imageIndex, String.valueOf(row.get(idIndex)), h, w, c);
        System.arraycopy(p, 0, pixels, good * size, size);
        good++;
      } catch (ImageEncoding.BadImage e) {
        errors[rows.size()] = e.getMessage();
      }
      rows.add(row);
    }
    return new ImageChunk(rows, errors, pixels, good, h, w, c);
  }

  /** Rows whose image could be read. */
  int good() {
    return good;
  }

  /** The readable images, {@code [good, H, W, C]} pixels / 255; the caller closes it. */
  TFloat32 images() {
    int size = h * w * c;
    float[] data = good * size == pixels.length ? pixels : Arrays.copyOf(pixels, good * size);
    return TFloat32.tensorOf(Shape.of(good, h, w, c), DataBuffers.of(data, true, false));
  }
}
