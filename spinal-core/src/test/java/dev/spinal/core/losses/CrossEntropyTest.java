package dev.spinal.core.losses;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

class CrossEntropyTest {
  private static final float[][] LOGITS = {{2f, -1f, 0.5f}, {0f, 3f, -2f}};
  private static final int[] LABELS = {0, 2};

  /** -log softmax(logits)[i][k]. */
  private static double nll(int i, int k) {
    double sum = 0;
    for (float z : LOGITS[i]) {
      sum += Math.exp(z);
    }
    return Math.log(sum) - LOGITS[i][k];
  }

  @Test
  void smoothedIsTheMixOfTheLabelsAndTheUniformCrossEntropy() {
    double eps = 0.1;
    double expected = 0;
    for (int i = 0; i < 2; i++) {
      double uniform = 0;
      for (int k = 0; k < 3; k++) {
        uniform += nll(i, k) / 3;
      }
      expected += ((1 - eps) * nll(i, LABELS[i]) + eps * uniform) / 2;
    }
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> logits = tf.constant(LOGITS);
      Operand<TInt32> labels = tf.constant(LABELS);
      Operand<TFloat32> smoothed = CrossEntropy.smoothed(tf, labels, logits, eps);
      Operand<TFloat32> plain = CrossEntropy.smoothed(tf, labels, logits, 0);
      Output<?>[] grad = g.addGradients(smoothed.asOutput(), new Output<?>[] {logits.asOutput()});
      try (Result r = s.runner().fetch(smoothed).fetch(plain).fetch(grad[0]).run()) {
        assertThat(((TFloat32) r.get(0)).getFloat()).isCloseTo((float) expected, within(1e-5f));
        assertThat(((TFloat32) r.get(1)).getFloat())
            .isCloseTo((float) ((nll(0, 0) + nll(1, 2)) / 2), within(1e-5f));
        // d/dz = (softmax - target) / batch, target = 0.9 onehot + 0.1 / 3
        double p00 = Math.exp(-nll(0, 0));
        assertThat(((TFloat32) r.get(2)).getFloat(0, 0)).isCloseTo((float) ((p00 - (0.9 + 0.1 / 3)) / 2),
            within(1e-5f));
      }
    }
  }

  @Test
  void refusesSmoothingOutsideTheUnitInterval() {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      assertThatThrownBy(() -> CrossEntropy.smoothed(tf, tf.constant(LABELS), tf.constant(LOGITS), 1.0))
          .hasMessageContaining("label smoothing must be in [0, 1), got 1.0");
    }
  }
}
