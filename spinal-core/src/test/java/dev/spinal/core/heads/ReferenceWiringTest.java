package dev.spinal.core.heads;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spinal.core.GraphContext;
import dev.spinal.core.check.FloatingTensors;
import dev.spinal.core.layers.Dense;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * The graph's logits against the paper's formulation computed independently in plain Java doubles,
 * with fixed weights: proof that the concatenation wiring is the paper's (ProgressiveSpinal) and
 * SpinalNet's (Spinal). Inference mode, so dropout is off.
 */
class ReferenceWiringTest {

  static final int BATCH = 3;
  static final int D = 5;
  static final int W = 3;
  static final int N = 4;
  static final int CLASSES = 4;

  /** A fixed, layer-dependent weight pattern (no RNG involved). */
  static double[][] weights(int layer, int in, int out) {
    double[][] w = new double[in][out];
    for (int i = 0; i < in; i++) {
      for (int j = 0; j < out; j++) {
        w[i][j] = 0.6 * Math.sin(0.7 * layer + 1.3 * i - 0.9 * j);
      }
    }
    return w;
  }

  static double[] bias(int layer, int out) {
    double[] b = new double[out];
    for (int j = 0; j < out; j++) {
      b[j] = 0.1 * Math.cos(layer + 2.0 * j);
    }
    return b;
  }

  static double[][] features() {
    double[][] x = new double[BATCH][D];
    for (int b = 0; b < BATCH; b++) {
      for (int i = 0; i < D; i++) {
        x[b][i] = Math.cos(0.5 * b + 0.8 * i) * (i % 2 == 0 ? 1.5 : -0.7);
      }
    }
    return x;
  }

  static double[][] linearRelu(double[][] x, double[][] w, double[] bias, boolean relu) {
    double[][] y = new double[x.length][bias.length];
    for (int b = 0; b < x.length; b++) {
      for (int j = 0; j < bias.length; j++) {
        double s = bias[j];
        for (int i = 0; i < w.length; i++) {
          s += x[b][i] * w[i][j];
        }
        y[b][j] = relu ? Math.max(0, s) : s;
      }
    }
    return y;
  }

  static double[][] cat(double[][]... parts) {
    int width = 0;
    for (double[][] p : parts) {
      width += p[0].length;
    }
    double[][] out = new double[parts[0].length][width];
    for (int b = 0; b < out.length; b++) {
      int at = 0;
      for (double[][] p : parts) {
        System.arraycopy(p[b], 0, out[b], at, p[b].length);
        at += p[b].length;
      }
    }
    return out;
  }

  static double[][] columns(double[][] x, int from, int to) {
    double[][] out = new double[x.length][to - from];
    for (int b = 0; b < x.length; b++) {
      System.arraycopy(x[b], from, out[b], 0, to - from);
    }
    return out;
  }

  /** The reference ProgressiveSpinalNet forward pass (FACTS.md), dropout off. */
  static double[][] progressiveReference(double[][] x) {
    List<double[][]> readable = new ArrayList<>();
    readable.add(x);
    for (int i = 1; i <= N; i++) {
      double[][] input = i == 1 ? x : cat(readable.toArray(new double[0][][]));
      int in = i == 1 ? D : D + (i - 1) * W;
      readable.add(linearRelu(input, weights(i, in, W), bias(i, W), true));
    }
    double[][] all = cat(readable.toArray(new double[0][][]));
    return linearRelu(all, weights(N + 1, D + N * W, CLASSES), bias(N + 1, CLASSES), false);
  }

  /** The reference SpinalNet forward pass, dropout off. */
  static double[][] spinalReference(double[][] x) {
    double[][] a = columns(x, 0, D / 2);
    double[][] b = columns(x, D / 2, D);
    List<double[][]> ys = new ArrayList<>();
    for (int i = 1; i <= N; i++) {
      double[][] half = i % 2 == 1 ? a : b;
      double[][] input = i == 1 ? half : cat(half, ys.get(i - 2));
      ys.add(linearRelu(input, weights(i, input[0].length, W), bias(i, W), true));
    }
    double[][] all = cat(ys.toArray(new double[0][][]));
    return linearRelu(all, weights(N + 1, N * W, CLASSES), bias(N + 1, CLASSES), false);
  }

  static double[][] graphLogits(HeadKind kind) {
    HeadSpec spec = HeadSpec.builder().inputSize(D).width(W).depth(N).classes(CLASSES).dropout(0.3).build();
    double[][] x = features();
    try (Graph graph = new Graph()) {
      GraphContext ctx = GraphContext.switched(graph, 3);
      Ops tf = ctx.tf();
      Placeholder<TFloat32> features =
          tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, D)));
      BuiltHead<TFloat32> head = kind.create(spec).build(ctx, features);
      try (Session session = new Session(graph)) {
        for (int l = 0; l < head.layers().size(); l++) {
          Dense<TFloat32> dense = head.layers().get(l);
          int in = (int) dense.inputSize();
          int out = (int) dense.units();
          assign(session, tf, dense.kernel(), Shape.of(in, out), flatten(weights(l + 1, in, out)));
          assign(session, tf, dense.bias(), Shape.of(out), bias(l + 1, out));
        }
        try (Tensor in = FloatingTensors.create(TFloat32.class, Shape.of(BATCH, D), flatten(x));
            Result r = session.runner().feed(features, in).fetch(head.logits()).run()) {
          double[] flat = FloatingTensors.read(r.get(0));
          double[][] logits = new double[BATCH][CLASSES];
          for (int b = 0; b < BATCH; b++) {
            System.arraycopy(flat, b * CLASSES, logits[b], 0, CLASSES);
          }
          return logits;
        }
      }
    }
  }

  static void assign(
      Session session,
      Ops tf,
      org.tensorflow.op.core.Variable<TFloat32> variable,
      Shape shape,
      double[] values) {
    try (Tensor value = FloatingTensors.create(TFloat32.class, shape, values)) {
      @SuppressWarnings("unchecked")
      TFloat32 typed = (TFloat32) value;
      session.runner().addTarget(tf.assign(variable, tf.constantOf(typed))).run();
    }
  }

  static double[] flatten(double[][] m) {
    double[] out = new double[m.length * m[0].length];
    for (int i = 0; i < m.length; i++) {
      System.arraycopy(m[i], 0, out, i * m[0].length, m[0].length);
    }
    return out;
  }

  @Test
  void progressiveHeadIsThePapersFormulation() {
    double[][] expected = progressiveReference(features());
    double[][] actual = graphLogits(HeadKind.PROGRESSIVE);
    for (int b = 0; b < BATCH; b++) {
      assertThat(actual[b]).containsExactly(expected[b], org.assertj.core.api.Assertions.within(1e-6));
    }
    // the fixture is not degenerate: logits differ between classes and examples
    assertThat(expected[0][0]).isNotCloseTo(expected[0][1], org.assertj.core.api.Assertions.within(1e-3));
    assertThat(expected[0][0]).isNotCloseTo(expected[1][0], org.assertj.core.api.Assertions.within(1e-3));
  }

  @Test
  void spinalHeadIsSpinalNetsFormulation() {
    double[][] expected = spinalReference(features());
    double[][] actual = graphLogits(HeadKind.SPINAL);
    for (int b = 0; b < BATCH; b++) {
      assertThat(actual[b]).containsExactly(expected[b], org.assertj.core.api.Assertions.within(1e-6));
    }
  }

  @Test
  void theTwoFormulationsDiffer() {
    double[][] progressive = progressiveReference(features());
    double[][] spinal = spinalReference(features());
    assertThat(Math.abs(progressive[0][0] - spinal[0][0])).isGreaterThan(1e-3);
  }
}
