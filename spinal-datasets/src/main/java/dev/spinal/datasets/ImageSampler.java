package dev.spinal.datasets;

/**
 * The batch builder's inner loop: renders one uint8 HWC source image through a 3x3 inverse mapping into a float
 * NHWC slot, normalizing on the way ({@code out = v * scale[c] + bias[c]}). Positions outside the source read 0
 * (torchvision's {@code fill=0}), before normalization. No allocation per pixel or per image.
 */
final class ImageSampler {
  private ImageSampler() {}

  /** Identity mapping, same size: a table lookup per byte. {@code lut[c * 256 + v]}. */
  static void copy(byte[] src, int srcOff, int pixels, int c, float[] lut, float[] dst, int dstOff) {
    int n = pixels * c;
    if (c == 1) {
      for (int i = 0; i < n; i++) {
        dst[dstOff + i] = lut[src[srcOff + i] & 0xff];
      }
      return;
    }
    for (int i = 0; i < n; i += c) {
      for (int ch = 0; ch < c; ch++) {
        dst[dstOff + i + ch] = lut[ch * 256 + (src[srcOff + i + ch] & 0xff)];
      }
    }
  }

  /** Renders {@code [outH, outW, c]} from the source {@code [h, w, c]} through {@code m} (output -> input). */
  static void warp(byte[] src, int srcOff, int h, int w, int c, double[] m, int outH, int outW, float[] dst,
      int dstOff, float[] scale, float[] bias, boolean nearest) {
    boolean affine = m[6] == 0 && m[7] == 0 && m[8] == 1;
    int rowStride = w * c;
    for (int oy = 0; oy < outH; oy++) {
      double py = oy + 0.5;
      // Source position of the centre of (0, oy), and its step along x.
      double sx0 = m[1] * py + m[2];
      double sy0 = m[4] * py + m[5];
      double sz0 = m[7] * py + m[8];
      int o = dstOff + oy * outW * c;
      for (int ox = 0; ox < outW; ox++, o += c) {
        double px = ox + 0.5;
        double sx = m[0] * px + sx0;
        double sy = m[3] * px + sy0;
        if (!affine) {
          double z = m[6] * px + sz0;
          sx /= z;
          sy /= z;
        }
        double u = sx - 0.5;
        double v = sy - 0.5;
        if (nearest) {
          int xi = (int) Math.floor(u + 0.5);
          int yi = (int) Math.floor(v + 0.5);
          boolean in = xi >= 0 && yi >= 0 && xi < w && yi < h;
          int base = srcOff + yi * rowStride + xi * c;
          for (int ch = 0; ch < c; ch++) {
            float val = in ? (src[base + ch] & 0xff) : 0f;
            dst[o + ch] = val * scale[ch] + bias[ch];
          }
          continue;
        }
        int x0 = (int) Math.floor(u);
        int y0 = (int) Math.floor(v);
        float fx = (float) (u - x0);
        float fy = (float) (v - y0);
        if (x0 >= 0 && y0 >= 0 && x0 + 1 < w && y0 + 1 < h) {
          int b00 = srcOff + y0 * rowStride + x0 * c;
          int b10 = b00 + rowStride;
          for (int ch = 0; ch < c; ch++) {
            float p00 = src[b00 + ch] & 0xff;
            float p01 = src[b00 + c + ch] & 0xff;
            float p10 = src[b10 + ch] & 0xff;
            float p11 = src[b10 + c + ch] & 0xff;
            float top = p00 + (p01 - p00) * fx;
            float bot = p10 + (p11 - p10) * fx;
            dst[o + ch] = (top + (bot - top) * fy) * scale[ch] + bias[ch];
          }
        } else if (x0 < -1 || y0 < -1 || x0 >= w || y0 >= h) {
          for (int ch = 0; ch < c; ch++) {
            dst[o + ch] = bias[ch];
          }
        } else {
          // Border: taps outside the image read 0.
          boolean x0in = x0 >= 0;
          boolean x1in = x0 + 1 < w;
          boolean y0in = y0 >= 0;
          boolean y1in = y0 + 1 < h;
          for (int ch = 0; ch < c; ch++) {
            float p00 = x0in && y0in ? src[srcOff + y0 * rowStride + x0 * c + ch] & 0xff : 0f;
            float p01 = x1in && y0in ? src[srcOff + y0 * rowStride + (x0 + 1) * c + ch] & 0xff : 0f;
            float p10 = x0in && y1in ? src[srcOff + (y0 + 1) * rowStride + x0 * c + ch] & 0xff : 0f;
            float p11 = x1in && y1in ? src[srcOff + (y0 + 1) * rowStride + (x0 + 1) * c + ch] & 0xff : 0f;
            float top = p00 + (p01 - p00) * fx;
            float bot = p10 + (p11 - p10) * fx;
            dst[o + ch] = (top + (bot - top) * fy) * scale[ch] + bias[ch];
          }
        }
      }
    }
  }
}
