package dev.spinal.datasets.io;

/**
 * Separable resampling with a triangle (bilinear) kernel whose support widens with the downscale factor, the way
 * PIL's {@code Image.resize(..., BILINEAR)} does, so that large reductions average instead of aliasing.
 */
public final class Resize {
  private Resize() {}

  /** Resizes HWC uint8 {@code [h, w, c]} to {@code [outH, outW, c]}. */
  public static byte[] bilinearAntialiased(byte[] src, int h, int w, int c, int outH, int outW) {
    if (h == outH && w == outW) {
      return src;
    }
    Kernel kx = Kernel.of(w, outW);
    Kernel ky = Kernel.of(h, outH);
    // Horizontal pass: [h, outW, c] floats.
    float[] tmp = new float[h * outW * c];
    for (int y = 0; y < h; y++) {
      int row = y * w * c;
      for (int x = 0; x < outW; x++) {
        int start = kx.start[x];
        int n = kx.count[x];
        int wo = x * kx.stride;
        for (int ch = 0; ch < c; ch++) {
          float acc = 0;
          for (int k = 0; k < n; k++) {
            acc += kx.weights[wo + k] * (src[row + (start + k) * c + ch] & 0xff);
          }
          tmp[(y * outW + x) * c + ch] = acc;
        }
      }
    }
    byte[] out = new byte[outH * outW * c];
    int rowLen = outW * c;
    for (int y = 0; y < outH; y++) {
      int start = ky.start[y];
      int n = ky.count[y];
      int wo = y * ky.stride;
      for (int i = 0; i < rowLen; i++) {
        float acc = 0;
        for (int k = 0; k < n; k++) {
          acc += ky.weights[wo + k] * tmp[(start + k) * rowLen + i];
        }
        int v = Math.round(acc);
        out[y * rowLen + i] = (byte) (v < 0 ? 0 : Math.min(v, 255));
      }
    }
    return out;
  }

  private static final class Kernel {
    int[] start;
    int[] count;
    float[] weights;
    int stride;

    static Kernel of(int in, int out) {
      double scale = (double) in / out;
      double support = Math.max(scale, 1.0);
      Kernel k = new Kernel();
      k.stride = (int) Math.ceil(support) * 2 + 1;
      k.start = new int[out];
      k.count = new int[out];
      k.weights = new float[out * k.stride];
      for (int i = 0; i < out; i++) {
        double center = (i + 0.5) * scale;
        int lo = Math.max((int) (center - support + 0.5), 0);
        int hi = Math.min((int) (center + support + 0.5), in);
        int n = Math.min(hi - lo, k.stride);
        double sum = 0;
        double[] w = new double[n];
        for (int j = 0; j < n; j++) {
          double t = Math.abs((lo + j - center + 0.5) / support);
          w[j] = t < 1 ? 1 - t : 0;
          sum += w[j];
        }
        for (int j = 0; j < n; j++) {
          k.weights[i * k.stride + j] = (float) (sum > 0 ? w[j] / sum : 0);
        }
        k.start[i] = lo;
        k.count[i] = n;
      }
      return k;
    }
  }
}
