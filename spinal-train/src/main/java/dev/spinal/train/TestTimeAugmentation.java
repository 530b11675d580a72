package dev.spinal.train;

import static com.google.common.base.Preconditions.checkArgument;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.IntBinaryOperator;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Test-time augmentation: the views of each evaluation image whose class probabilities are averaged before its
 * class is read ({@code --tta}). Each extra view costs one more forward pass of the model.
 *
 * <p>{@link #FLIP} suits data whose classes do not change when mirrored left to right (Fashion-MNIST, photos),
 * the same data the crop-flip training chains are for; not digits or letters.
 */
public enum TestTimeAugmentation {
  /** The image alone. */
  NONE("none"),
  /** The image and its mirror image (columns reversed): the mean of both views' probabilities. */
  FLIP("flip"),
  /**
   * {@link #FLIP}'s two views and each of them moved by one pixel up, down, left and right (the edge row or column
   * repeated into the gap): 10 views, for models trained with small random crops (the crop-flip chains).
   */
  FLIP_SHIFT("flip-shift");

  /** The one-pixel moves of {@link #FLIP_SHIFT}, as {rows down, columns right}. */
  private static final int[][] SHIFTS = {{-1, 0}, {1, 0}, {0, -1}, {0, 1}};

  private final String cliName;

  TestTimeAugmentation(String cliName) {
    this.cliName = cliName;
  }

  /** The name {@code --tta} takes, also its form in {@code config.json}. */
  @JsonValue
  public String cliName() {
    return cliName;
  }

  /**
   * The views of {@code images} {@code [n, H, W, C]} besides the images themselves, in order; the caller
   * closes them. Empty for {@link #NONE}.
   */
  public List<TFloat32> extraViews(TFloat32 images) {
    return switch (this) {
      case NONE -> List.of();
      case FLIP -> List.of(mirrored(images));
      case FLIP_SHIFT -> flipShiftViews(images);
    };
  }

  private static List<TFloat32> flipShiftViews(TFloat32 images) {
    List<TFloat32> views = new ArrayList<>();
    try {
      TFloat32 mirror = mirrored(images);
      views.add(mirror);
      for (TFloat32 base : List.of(images, mirror)) {
        for (int[] shift : SHIFTS) {
          views.add(shifted(base, shift[0], shift[1]));
        }
      }
      return views;
    } catch (RuntimeException e) {
      views.forEach(TFloat32::close);
      throw e;
    }
  }

  /**
   * {@code images} {@code [n, H, W, C]} moved {@code down} rows and {@code right} columns (negative: up, left), the
   * pixels moved in from outside copied from the nearest edge row or column: a new tensor.
   */
  public static TFloat32 shifted(TFloat32 images, int down, int right) {
    return remapped(images, (y, h) -> Math.max(0, Math.min(h - 1, y - down)),
        (x, w) -> Math.max(0, Math.min(w - 1, x - right)));
  }

  /** {@code images} {@code [n, H, W, C]} mirrored left to right (each row's columns reversed): a new tensor. */
  public static TFloat32 mirrored(TFloat32 images) {
    return remapped(images, (y, h) -> y, (x, w) -> w - 1 - x);
  }

  /**
   * A new tensor whose pixel {@code (y, x)} of each image and channel is {@code images}' pixel {@code
   * (sourceRow(y, H), sourceColumn(x, W))}.
   */
  private static TFloat32 remapped(TFloat32 images, IntBinaryOperator sourceRow, IntBinaryOperator sourceColumn) {
    Shape s = images.shape();
    checkArgument(s.numDimensions() == 4, "images must be [n, height, width, channels], got %s", s);
    int n = (int) s.get(0);
    int h = (int) s.get(1);
    int w = (int) s.get(2);
    int c = (int) s.get(3);
    int[] fromX = new int[w];
    for (int x = 0; x < w; x++) {
      fromX[x] = sourceColumn.applyAsInt(x, w);
    }
    float[] in = new float[n * h * w * c];
    images.asRawTensor().data().asFloats().read(in);
    float[] out = new float[in.length];
    for (int i = 0; i < n; i++) {
      for (int y = 0; y < h; y++) {
        int from = (i * h + sourceRow.applyAsInt(y, h)) * w;
        int to = (i * h + y) * w;
        for (int x = 0; x < w; x++) {
          System.arraycopy(in, (from + fromX[x]) * c, out, (to + x) * c, c);
        }
      }
    }
    return TFloat32.tensorOf(s, DataBuffers.of(out, true, false));
  }

  /** How an ensemble of views scored on one batch. */
  public record Score(long correct, double lossSum) {}

  /**
   * Scores a batch {@code images} {@code [n, H, W, C]} with {@code labels} {@code [n]}: the model's {@code
   * probabilities} of the images and of each {@link #extraViews extra view}, averaged ({@link #score(List, int[])}).
   */
  public Score score(TFloat32 images, TInt32 labels, Function<TFloat32, float[]> probabilities) {
    int[] y = new int[(int) labels.shape().size()];
    labels.asRawTensor().data().asInts().read(y);
    List<float[]> views = new ArrayList<>();
    views.add(probabilities.apply(images));
    for (TFloat32 view : extraViews(images)) {
      try (view) {
        views.add(probabilities.apply(view));
      }
    }
    return score(views, y);
  }

  /**
   * Scores the mean of {@code probabilities} (one {@code [n, classes]} row-major array per view) against
   * {@code labels}: the examples whose highest mean probability is their label (the first class wins a tie, as
   * {@code argmax} does), and the summed cross-entropy {@code -log(mean probability of the label)}.
   */
  public static Score score(List<float[]> probabilities, int[] labels) {
    checkArgument(!probabilities.isEmpty(), "no views to score");
    int n = labels.length;
    checkArgument(n > 0 && probabilities.get(0).length % n == 0, "probabilities of %s values do not split into %s"
        + " rows", probabilities.get(0).length, n);
    int classes = probabilities.get(0).length / n;
    for (float[] p : probabilities) {
      checkArgument(p.length == n * classes, "every view needs [%s, %s] probabilities, got %s values", n, classes,
          p.length);
    }
    long correct = 0;
    double lossSum = 0;
    double[] mean = new double[classes];
    for (int i = 0; i < n; i++) {
      Arrays.fill(mean, 0);
      for (float[] p : probabilities) {
        for (int k = 0; k < classes; k++) {
          mean[k] += p[i * classes + k];
        }
      }
      int best = 0;
      for (int k = 1; k < classes; k++) {
        if (mean[k] > mean[best]) {
          best = k;
        }
      }
      checkArgument(labels[i] >= 0 && labels[i] < classes, "label %s of example %s is not one of the %s classes",
          labels[i], i, classes);
      if (best == labels[i]) {
        correct++;
      }
      // float32 probabilities can round to 0: the floor keeps a confident miss finite, as TF's loss stays
      lossSum -= Math.log(Math.max(mean[labels[i]] / probabilities.size(), 1e-30));
    }
    return new Score(correct, lossSum);
  }

  /** {@code none}, {@code flip} or {@code flip-shift}, any case. */
  @JsonCreator
  public static TestTimeAugmentation parse(String name) {
    String n = name.trim().toLowerCase(Locale.ROOT);
    for (TestTimeAugmentation t : values()) {
      if (t.cliName.equals(n)) {
        return t;
      }
    }
    throw new IllegalArgumentException(
        "unknown test-time augmentation '" + name + "'; expected none, flip or flip-shift");
  }
}
