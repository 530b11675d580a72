package dev.spinal.datasets;

import com.google.common.base.Preconditions;
import java.util.Arrays;

/**
 * Per-channel normalization applied when a batch is built: {@code out = (pixel / 255 - mean[c]) / std[c]}, the
 * same as torchvision's {@code ToTensor()} followed by {@code Normalize(mean, std)}.
 *
 * <p>Values used by the paper's scripts:
 * <ul>
 *   <li>{@link #MNIST}: mean 0.1307, std 0.3081 — all MNIST-like sets (MNIST, Fashion-MNIST, EMNIST, QMNIST,
 *       KMNIST); the scripts reuse MNIST's statistics for every one of them.</li>
 *   <li>{@link #PAPER_TRANSFER}: mean (0.507, 0.487, 0.441), std (0.267, 0.256, 0.276) — what the transfer-learning
 *       scripts (STL-10, Caltech-101, birds, Fruits-360, wide_resnet101 backbone) pass to {@code Normalize}.</li>
 *   <li>{@link #IMAGENET}: mean (0.485, 0.456, 0.406), std (0.229, 0.224, 0.225) — the statistics ImageNet-trained
 *       Keras/torchvision backbones expect; use it when the backbone's own preprocessing asks for it.</li>
 *   <li>{@link #UNIT}: pixels scaled to [0, 1] only.</li>
 * </ul>
 * A mean/std of length 1 applies to every channel; otherwise the length must equal the image's channel count.
 */
public final class Normalization {
  public static final Normalization MNIST = of(new float[] {0.1307f}, new float[] {0.3081f});
  public static final Normalization PAPER_TRANSFER =
      of(new float[] {0.507f, 0.487f, 0.441f}, new float[] {0.267f, 0.256f, 0.276f});
  public static final Normalization IMAGENET =
      of(new float[] {0.485f, 0.456f, 0.406f}, new float[] {0.229f, 0.224f, 0.225f});
  public static final Normalization UNIT = of(new float[] {0f}, new float[] {1f});

  private final float[] mean;
  private final float[] std;

  private Normalization(float[] mean, float[] std) {
    this.mean = mean;
    this.std = std;
  }

  /** Per-channel mean and standard deviation, in units of pixel/255. */
  public static Normalization of(float[] mean, float[] std) {
    Preconditions.checkArgument(mean.length > 0 && mean.length == std.length,
        "mean and std must have the same, non-zero length: %s vs %s", mean.length, std.length);
    for (float s : std) {
      Preconditions.checkArgument(s > 0, "std must be positive: %s", Arrays.toString(std));
    }
    return new Normalization(mean.clone(), std.clone());
  }

  /**
   * The per-channel mean and standard deviation of {@code data}'s pixels (in units of pixel / 255), what a model
   * trained on a user's own images normalizes with: measured on the training split, so that nothing of the
   * validation or test images leaks into the model. A channel of constant value gets std 1.
   */
  public static Normalization measure(ImageDataset data) {
    int c = data.channels();
    double[] sum = new double[c];
    double[] sumSq = new double[c];
    byte[] image = new byte[data.imageBytes()];
    for (int i = 0; i < data.size(); i++) {
      data.copyImage(i, image, 0);
      long[] s = new long[c];
      long[] sq = new long[c];
      for (int k = 0; k < image.length; k++) {
        int v = image[k] & 0xff;
        s[k % c] += v;
        sq[k % c] += (long) v * v;
      }
      for (int ch = 0; ch < c; ch++) {
        sum[ch] += s[ch];
        sumSq[ch] += sq[ch];
      }
    }
    double n = (double) data.size() * data.height() * data.width();
    float[] mean = new float[c];
    float[] std = new float[c];
    for (int ch = 0; ch < c; ch++) {
      double m = n == 0 ? 0 : sum[ch] / n;
      double var = n == 0 ? 0 : Math.max(0, sumSq[ch] / n - m * m);
      mean[ch] = (float) (m / 255);
      std[ch] = var > 1e-12 ? (float) (Math.sqrt(var) / 255) : 1f;
    }
    return of(mean, std);
  }

  public float[] mean() {
    return mean.clone();
  }

  public float[] std() {
    return std.clone();
  }

  /** The mean for each of {@code channels} channels (a single value applies to every channel). */
  public float[] mean(int channels) {
    float[] m = new float[channels];
    for (int c = 0; c < channels; c++) {
      m[c] = mean[pick(c, channels)];
    }
    return m;
  }

  /** The standard deviation for each of {@code channels} channels. */
  public float[] std(int channels) {
    float[] s = new float[channels];
    for (int c = 0; c < channels; c++) {
      s[c] = std[pick(c, channels)];
    }
    return s;
  }

  /** {@code scale[c]} such that {@code out = pixel * scale[c] + bias[c]}, for {@code channels} channels. */
  float[] scale(int channels) {
    float[] s = new float[channels];
    for (int c = 0; c < channels; c++) {
      s[c] = (float) (1.0 / (255.0 * std[pick(c, channels)]));
    }
    return s;
  }

  float[] bias(int channels) {
    float[] b = new float[channels];
    for (int c = 0; c < channels; c++) {
      int k = pick(c, channels);
      b[c] = (float) (-mean[k] / (double) std[k]) + 0.0f; // + 0.0f turns -0.0 into 0.0
    }
    return b;
  }

  private int pick(int c, int channels) {
    if (mean.length == 1) {
      return 0;
    }
    Preconditions.checkArgument(mean.length == channels,
        "normalization has %s channels but the images have %s", mean.length, channels);
    return c;
  }

  @Override
  public String toString() {
    return "Normalization[mean=" + Arrays.toString(mean) + ", std=" + Arrays.toString(std) + "]";
  }
}
