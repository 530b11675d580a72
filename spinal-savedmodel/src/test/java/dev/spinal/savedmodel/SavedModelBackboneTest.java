package dev.spinal.savedmodel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spinal.core.GraphContext;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.core.Placeholder;
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
    try (TFloat32 x = pattern(3, 28, 28, 1)) {
      float[] fa = features(tf2, x);
      float[] fb = features(graph, x);
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

  /**
   * Fine-tuning a tf2 export inlines its function calls and turns its resource variables into
   * VariableV2s: the forward pass it computes is the one of the call it replaced.
   */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.CsvSource({"fmnist04-cnn, 28, 1", "mobilenetv2-32, 32, 3"})
  void inlinedTf2ForwardPassEqualsTheCall(String name, int size, int channels) {
    SavedModelBackbone call = SavedModelBackbone.load(MODELS.resolve(name), size, size, channels, FineTune.FROZEN);
    SavedModelBackbone inlined = SavedModelBackbone.load(MODELS.resolve(name), size, size, channels,
        FineTune.WEIGHTS_AND_BATCH_NORM);
    assertThat(inlined.featureTensorName()).isNotEqualTo(call.featureTensorName());
    try (TFloat32 x = pattern(3, size, size, channels)) {
      float[] fa = features(call, x);
      float[] fb = features(inlined, x);
      double max = 0;
      for (int i = 0; i < fa.length; i++) {
        max = Math.max(max, Math.abs(fa[i] - fb[i]));
      }
      System.out.println(name + ": max |call - inlined| = " + max + ", |f| max " + maxAbs(fa));
      assertThat(fb).hasSameSizeAs(fa);
      assertThat(max).isLessThanOrEqualTo(1e-6 * Math.max(1, maxAbs(fa)));
    }
  }

  /** The backbone's features of {@code x}, through its own input, preprocessing and weights. */
  static float[] features(SavedModelBackbone backbone, TFloat32 x) {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.inference(g, 0);
      Placeholder<TFloat32> images = backbone.createInput(ctx, "images");
      Operand<TFloat32> features = backbone.build(ctx, images);
      try (Session s = new Session(g)) {
        s.initialize();
        backbone.initialize(s);
        try (Result r = s.runner().feed(images, x).fetch(features).run()) {
          TFloat32 f = (TFloat32) r.get(0);
          float[] out = new float[(int) f.shape().size()];
          f.asRawTensor().data().asFloats().read(out);
          return out;
        }
      }
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
