package dev.spinal.train.transfer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

class SavedModelBackboneTest {

  static final Path MODELS = Path.of("..", "saved-models");

  static TFloat32 pattern(int n, int h, int w, int c) {
    float[] x = new float[n * h * w * c];
    for (int i = 0; i < x.length; i++) {
      x[i] = (i % 255) / 255f;
    }
    return TFloat32.tensorOf(Shape.of(n, h, w, c), DataBuffers.of(x, true, false));
  }

  @Test
  void tf2AndGraphFormatsGiveTheSameFeatures() {
    SavedModelBackbone tf2 = SavedModelBackbone.load(MODELS.resolve("fmnist04-cnn"), 28, 28, 1, false);
    SavedModelBackbone graph = SavedModelBackbone.load(MODELS.resolve("fmnist04-cnn-graph"), 28, 28, 1, false);
    assertThat(tf2.featureSize()).isEqualTo(128);
    try (FeatureExtractor a = new FeatureExtractor(tf2, null);
        FeatureExtractor b = new FeatureExtractor(graph, null);
        TFloat32 x = pattern(3, 28, 28, 1)) {
      float[] fa = a.features(x);
      float[] fb = b.features(x);
      assertThat(fa).hasSize(3 * 128);
      double max = 0;
      for (int i = 0; i < fa.length; i++) {
        max = Math.max(max, Math.abs(fa[i] - fb[i]));
      }
      System.out.println("max |tf2 - graph| = " + max + ", |f| max " + maxAbs(fa));
      assertThat(max).isLessThan(1e-4);
      assertThat(maxAbs(fa)).isGreaterThan(0.01);
    }
  }

  static double maxAbs(float[] x) {
    double m = 0;
    for (float v : x) {
      m = Math.max(m, Math.abs(v));
    }
    return m;
  }
}
