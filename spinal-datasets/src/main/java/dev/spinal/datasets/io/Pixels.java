package dev.spinal.datasets.io;

/**
 * Channel conversions of HWC uint8 images, as PIL's {@code convert}: gray to RGB replicates the value; RGB to gray
 * is ITU-R 601-2 luma, {@code L = (299 R + 587 G + 114 B) / 1000} rounded, so a gray image converted to RGB and
 * back is unchanged.
 */
public final class Pixels {
  private Pixels() {}

  /** Converts {@code [h, w, from]} to {@code [h, w, to]}; {@code from} and {@code to} are 1 or 3. */
  public static byte[] convert(byte[] hwc, int h, int w, int from, int to) {
    if (from == to) {
      return hwc;
    }
    int n = h * w;
    byte[] out = new byte[n * to];
    if (from == 1 && to == 3) {
      for (int i = 0; i < n; i++) {
        byte v = hwc[i];
        out[3 * i] = v;
        out[3 * i + 1] = v;
        out[3 * i + 2] = v;
      }
    } else if (from == 3 && to == 1) {
      for (int i = 0; i < n; i++) {
        int r = hwc[3 * i] & 0xff;
        int g = hwc[3 * i + 1] & 0xff;
        int b = hwc[3 * i + 2] & 0xff;
        out[i] = (byte) ((r * 299 + g * 587 + b * 114 + 500) / 1000);
      }
    } else {
      throw new IllegalArgumentException("channel conversion " + from + " -> " + to + " (expected 1 or 3)");
    }
    return out;
  }
}
