package dev.spinal.datasets;

import com.google.common.base.Preconditions;
import java.util.List;

/**
 * Factories for the augmentations the paper's scripts use, with torchvision's parameter semantics, and the
 * scripts' chains as recipes.
 *
 * <ul>
 *   <li>MNIST-like scripts (train): {@code RandomPerspective()} then {@code RandomRotation(10, fill=0)} —
 *       {@link #mnistPaperTrain()}.</li>
 *   <li>Transfer scripts (STL-10, Caltech-101, birds, Fruits-360), train: {@code Resize((230,230))},
 *       {@code RandomRotation(15)}, {@code RandomCrop(224)}, {@code RandomHorizontalFlip()} —
 *       {@link #transferPaperTrain(int, int)}; eval: {@code Resize((224,224))} — {@link #transferPaperEval(int)}.</li>
 * </ul>
 * Because a chain is sampled once (see {@link Augmentation}), the result differs from torchvision's (which
 * resamples after every step) by interpolation rounding only; the geometry is the same.
 */
public final class Augmentations {
  private Augmentations() {}

  /** The MNIST-like scripts' training chain: random perspective (0.5, p=0.5), then rotation by up to ±10°. */
  public static List<Augmentation> mnistPaperTrain() {
    return List.of(randomPerspective(0.5, 0.5), randomRotation(10));
  }

  /** The transfer scripts' training chain: resize to {@code resize}², rotate ±15°, random crop {@code crop}², flip. */
  public static List<Augmentation> transferPaperTrain(int resize, int crop) {
    return List.of(resize(resize, resize), randomRotation(15), randomCrop(crop, crop), randomHorizontalFlip(0.5));
  }

  /** The transfer scripts' evaluation chain: resize to {@code size}². */
  public static List<Augmentation> transferPaperEval(int size) {
    return List.of(resize(size, size));
  }

  /** Resize to {@code height x width} (aspect ratio not kept, like {@code Resize((h, w))}). */
  public static Augmentation resize(int height, int width) {
    Preconditions.checkArgument(height > 0 && width > 0, "resize to %sx%s", height, width);
    return (inH, inW, r) -> new Augmentation.Step(height, width,
        inH == height && inW == width ? null : scaleTranslate((double) inW / width, (double) inH / height, 0, 0));
  }

  /** Centre crop ({@code CenterCrop}); a crop larger than the image is padded with 0. */
  public static Augmentation centerCrop(int height, int width) {
    return (inH, inW, r) -> {
      int top = (int) Math.round((inH - height) / 2.0);
      int left = (int) Math.round((inW - width) / 2.0);
      return new Augmentation.Step(height, width, scaleTranslate(1, 1, left, top));
    };
  }

  /** Random crop ({@code RandomCrop(size)}): offsets uniform in {@code [0, in - size]}. */
  public static Augmentation randomCrop(int height, int width) {
    return (inH, inW, r) -> {
      Preconditions.checkArgument(inH >= height && inW >= width, "random crop %sx%s of a %sx%s image", height,
          width, inH, inW);
      int top = r.nextInt(inH - height + 1);
      int left = r.nextInt(inW - width + 1);
      return new Augmentation.Step(height, width, scaleTranslate(1, 1, left, top));
    };
  }

  /**
   * Random crop of the same size after zero padding ({@code RandomCrop(size, padding=pad)}): the image moves by
   * whole pixels, {@code dx, dy} uniform in {@code [-pad, pad]}, and the uncovered border is 0.
   */
  public static Augmentation randomPaddedCrop(int pad) {
    Preconditions.checkArgument(pad >= 0, "padding must be >= 0: %s", pad);
    return (inH, inW, r) -> {
      int dx = r.nextInt(-pad, pad + 1);
      int dy = r.nextInt(-pad, pad + 1);
      return new Augmentation.Step(inH, inW, dx == 0 && dy == 0 ? null : scaleTranslate(1, 1, dx, dy));
    };
  }

  /**
   * {@code RandomErasing(p, scale, ratio, value=0)} (Zhong et al. 2017, torchvision's semantics and defaults in
   * {@link #randomErasing(double)}): with probability {@code p}, a rectangle of area fraction in
   * {@code [scaleMin, scaleMax]} and aspect ratio (log-uniform) in {@code [ratioMin, ratioMax]} is set to 0 after
   * normalization; 10 tries to fit the image, else nothing is erased. Put it last in a chain.
   */
  public static Augmentation randomErasing(double p, double scaleMin, double scaleMax, double ratioMin,
      double ratioMax) {
    Preconditions.checkArgument(p >= 0 && p <= 1, "erasing probability must be in [0, 1]: %s", p);
    Preconditions.checkArgument(0 < scaleMin && scaleMin <= scaleMax && scaleMax < 1,
        "erasing scale must satisfy 0 < min <= max < 1: [%s, %s]", scaleMin, scaleMax);
    Preconditions.checkArgument(0 < ratioMin && ratioMin <= ratioMax, "erasing ratio must satisfy 0 < min <= max:"
        + " [%s, %s]", ratioMin, ratioMax);
    double logLo = Math.log(ratioMin);
    double logHi = Math.log(ratioMax);
    return (inH, inW, r) -> {
      if (!(r.nextDouble() < p)) {
        return new Augmentation.Step(inH, inW, null);
      }
      double area = (double) inH * inW;
      for (int attempt = 0; attempt < 10; attempt++) {
        double target = area * (scaleMin + (scaleMax - scaleMin) * r.nextDouble());
        double ratio = Math.exp(logLo + (logHi - logLo) * r.nextDouble());
        int h = (int) Math.round(Math.sqrt(target * ratio));
        int w = (int) Math.round(Math.sqrt(target / ratio));
        if (h > 0 && w > 0 && h < inH && w < inW) {
          int top = r.nextInt(inH - h + 1);
          int left = r.nextInt(inW - w + 1);
          return new Augmentation.Step(inH, inW, null, new Augmentation.Erase(top, left, h, w));
        }
      }
      return new Augmentation.Step(inH, inW, null);
    };
  }

  /** {@link #randomErasing(double, double, double, double, double)} with torchvision's scale 0.02..0.33, ratio 0.3..3.3. */
  public static Augmentation randomErasing(double p) {
    return randomErasing(p, 0.02, 0.33, 0.3, 3.3);
  }

  /**
   * The standard small-image chain: a random crop after 2 pixels of zero padding, a horizontal flip (p 0.5) and
   * random erasing (p 0.5, torchvision's defaults). For Fashion-MNIST (clothes look the same mirrored) and other
   * 28x28 sets whose classes do not depend on left and right (not digits or letters).
   */
  public static List<Augmentation> cropFlipErase() {
    return List.of(randomPaddedCrop(2), randomHorizontalFlip(0.5), randomErasing(0.5));
  }

  /** {@link #cropFlipErase()} without the erasing: the padded random crop and the horizontal flip. */
  public static List<Augmentation> cropFlip() {
    return List.of(randomPaddedCrop(2), randomHorizontalFlip(0.5));
  }

  /** Horizontal flip with probability {@code p} ({@code RandomHorizontalFlip(p)}). */
  public static Augmentation randomHorizontalFlip(double p) {
    return (inH, inW, r) -> {
      boolean flip = r.nextDouble() < p;
      return new Augmentation.Step(inH, inW, flip ? new double[] {-1, 0, inW, 0, 1, 0, 0, 0, 1} : null);
    };
  }

  /**
   * Rotation by an angle drawn uniformly from {@code [-degrees, degrees]} about the image centre, same output
   * size, fill 0 ({@code RandomRotation(degrees, fill=0)}).
   */
  public static Augmentation randomRotation(double degrees) {
    Preconditions.checkArgument(degrees >= 0, "degrees must be >= 0: %s", degrees);
    return (inH, inW, r) -> {
      double a = Math.toRadians(degrees == 0 ? 0 : r.nextDouble(-degrees, degrees));
      double cos = Math.cos(a);
      double sin = Math.sin(a);
      double cx = inW / 2.0;
      double cy = inH / 2.0;
      return new Augmentation.Step(inH, inW, new double[] {
          cos, -sin, cx - cos * cx + sin * cy,
          sin, cos, cy - sin * cx - cos * cy,
          0, 0, 1});
    };
  }

  /**
   * {@code RandomPerspective(distortion_scale, p)}: with probability {@code p}, each corner moves inwards by up
   * to {@code distortion * half the side}, drawn as torchvision draws them, and the image is warped so that its
   * corners land on the moved positions (output pixels at the moved corners sample the original corners).
   * Fill 0.
   */
  public static Augmentation randomPerspective(double distortion, double p) {
    Preconditions.checkArgument(distortion >= 0 && distortion <= 1, "distortion must be in [0, 1]: %s",
        distortion);
    return (inH, inW, r) -> {
      if (!(r.nextDouble() < p)) {
        return new Augmentation.Step(inH, inW, null);
      }
      int hw = inW / 2;
      int hh = inH / 2;
      int dx = (int) (distortion * hw);
      int dy = (int) (distortion * hh);
      // torch.randint(low, high) draws from [low, high).
      double[] end = {
          r.nextInt(0, dx + 1), r.nextInt(0, dy + 1),
          r.nextInt(inW - dx - 1, inW), r.nextInt(0, dy + 1),
          r.nextInt(inW - dx - 1, inW), r.nextInt(inH - dy - 1, inH),
          r.nextInt(0, dx + 1), r.nextInt(inH - dy - 1, inH)};
      double[] start = {0, 0, inW - 1, 0, inW - 1, inH - 1, 0, inH - 1};
      // Output (end points) -> input (start points), in pixel-index coordinates; then shift to pixel-centre ones.
      double[] hIdx = homography(end, start);
      double[] toIdx = scaleTranslate(1, 1, -0.5, -0.5);
      double[] toCont = scaleTranslate(1, 1, 0.5, 0.5);
      return new Augmentation.Step(inH, inW, multiply(toCont, multiply(hIdx, toIdx)));
    };
  }

  /**
   * {@code RandomResizedCrop(size, scale, ratio)}: a crop of area fraction in {@code [scaleMin, scaleMax]} and
   * aspect ratio (log-uniform) in {@code [ratioMin, ratioMax]}, resized to {@code height x width}; torchvision's
   * 10 tries then centre-crop fallback.
   */
  public static Augmentation randomResizedCrop(int height, int width, double scaleMin, double scaleMax,
      double ratioMin, double ratioMax) {
    return (inH, inW, r) -> {
      double area = (double) inH * inW;
      double logLo = Math.log(ratioMin);
      double logHi = Math.log(ratioMax);
      for (int attempt = 0; attempt < 10; attempt++) {
        double target = area * (scaleMin + (scaleMax - scaleMin) * r.nextDouble());
        double ratio = Math.exp(logLo + (logHi - logLo) * r.nextDouble());
        int w = (int) Math.round(Math.sqrt(target * ratio));
        int h = (int) Math.round(Math.sqrt(target / ratio));
        if (w > 0 && h > 0 && w <= inW && h <= inH) {
          int top = r.nextInt(inH - h + 1);
          int left = r.nextInt(inW - w + 1);
          return new Augmentation.Step(height, width,
              scaleTranslate((double) w / width, (double) h / height, left, top));
        }
      }
      double inRatio = (double) inW / inH;
      int w;
      int h;
      if (inRatio < ratioMin) {
        w = inW;
        h = (int) Math.round(w / ratioMin);
      } else if (inRatio > ratioMax) {
        h = inH;
        w = (int) Math.round(h * ratioMax);
      } else {
        w = inW;
        h = inH;
      }
      int top = (inH - h) / 2;
      int left = (inW - w) / 2;
      return new Augmentation.Step(height, width, scaleTranslate((double) w / width, (double) h / height, left,
          top));
    };
  }

  /** {@link #randomResizedCrop(int, int, double, double, double, double)} with torchvision's ratio 3/4..4/3. */
  public static Augmentation randomResizedCrop(int height, int width, double scaleMin, double scaleMax) {
    return randomResizedCrop(height, width, scaleMin, scaleMax, 3.0 / 4.0, 4.0 / 3.0);
  }

  static double[] scaleTranslate(double sx, double sy, double tx, double ty) {
    return new double[] {sx, 0, tx, 0, sy, ty, 0, 0, 1};
  }

  static double[] multiply(double[] a, double[] b) {
    double[] c = new double[9];
    for (int i = 0; i < 3; i++) {
      for (int j = 0; j < 3; j++) {
        c[i * 3 + j] = a[i * 3] * b[j] + a[i * 3 + 1] * b[3 + j] + a[i * 3 + 2] * b[6 + j];
      }
    }
    return c;
  }

  /** The homography mapping the 4 points {@code from} (x0,y0,...,x3,y3) onto {@code to}. */
  static double[] homography(double[] from, double[] to) {
    double[][] a = new double[8][9];
    for (int i = 0; i < 4; i++) {
      double x = from[2 * i];
      double y = from[2 * i + 1];
      double u = to[2 * i];
      double v = to[2 * i + 1];
      a[2 * i] = new double[] {x, y, 1, 0, 0, 0, -u * x, -u * y, u};
      a[2 * i + 1] = new double[] {0, 0, 0, x, y, 1, -v * x, -v * y, v};
    }
    for (int col = 0; col < 8; col++) {
      int piv = col;
      for (int row = col + 1; row < 8; row++) {
        if (Math.abs(a[row][col]) > Math.abs(a[piv][col])) {
          piv = row;
        }
      }
      double[] t = a[col];
      a[col] = a[piv];
      a[piv] = t;
      double d = a[col][col];
      if (Math.abs(d) < 1e-12) {
        throw new IllegalArgumentException("degenerate perspective corners");
      }
      for (int row = 0; row < 8; row++) {
        if (row != col) {
          double f = a[row][col] / d;
          for (int k = col; k < 9; k++) {
            a[row][k] -= f * a[col][k];
          }
        }
      }
    }
    double[] h = new double[9];
    for (int i = 0; i < 8; i++) {
      h[i] = a[i][8] / a[i][i];
    }
    h[8] = 1;
    return h;
  }
}
