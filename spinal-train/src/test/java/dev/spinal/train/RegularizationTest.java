package dev.spinal.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.spinal.core.model.Model;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/** Decoupled weight decay and label smoothing, as a training step applies them. */
class RegularizationTest {

  private static final double LR = 0.1;

  private static Model model() {
    return TestModels.tinyProgressive(false);
  }

  private static TFloat32 images() {
    return TestModels.tinyImages(4);
  }

  private static TInt32 labels() {
    return TestModels.tinyLabels();
  }

  /** Every trainable variable's values after one step, by name. */
  private static List<float[]> afterOneStep(Optimizer optimizer, double labelSmoothing, List<String> names,
      List<Integer> ranks) {
    try (TrainingGraph g = TrainingGraph.build(model(), optimizer, labelSmoothing, 3, Precision.FP32, null);
        TFloat32 x = images();
        TInt32 y = labels()) {
      g.trainStep(x, y, 0);
      names.clear();
      ranks.clear();
      List<float[]> values = new ArrayList<>();
      for (Variable<?> v : g.context().trainableVariables()) {
        names.add(v.op().name());
        ranks.add(v.shape().numDimensions());
        values.add(read(g.session(), v));
      }
      return values;
    }
  }

  private static float[] read(Session session, Variable<?> v) {
    try (Result r = session.runner().fetch(v).run()) {
      TFloat32 t = (TFloat32) r.get(0);
      float[] out = new float[(int) t.shape().size()];
      t.copyTo(DataBuffers.of(out, false, false));
      return out;
    }
  }

  @Test
  void weightDecayShrinksKernelsAfterTheUpdateAndLeavesBiasesAlone() {
    List<String> names = new ArrayList<>();
    List<Integer> ranks = new ArrayList<>();
    double wd = 0.05;
    List<float[]> plain = afterOneStep(Optimizer.sgd(LR, 0), 0, names, ranks);
    List<float[]> decayed = afterOneStep(Optimizer.sgd(LR, 0).withWeightDecay(wd), 0, names, ranks);
    int kernels = 0;
    for (int i = 0; i < names.size(); i++) {
      float keep = ranks.get(i) >= 2 ? (float) (1 - LR * wd) : 1f;
      kernels += ranks.get(i) >= 2 ? 1 : 0;
      for (int k = 0; k < plain.get(i).length; k++) {
        assertThat(decayed.get(i)[k]).as("%s[%s]", names.get(i), k).isCloseTo(plain.get(i)[k] * keep, within(1e-6f));
      }
    }
    assertThat(kernels).as("kernels among %s", names).isEqualTo(3);
    // Adam too: the same shrink after its update
    List<float[]> adam = afterOneStep(Optimizer.adam(0.01), 0, names, ranks);
    List<float[]> adamW = afterOneStep(Optimizer.adam(0.01).withWeightDecay(wd), 0, names, ranks);
    int kernel = ranks.indexOf(2);
    assertThat(adamW.get(kernel)[0]).isCloseTo(adam.get(kernel)[0] * (float) (1 - 0.01 * wd), within(1e-6f));
  }

  @Test
  void labelSmoothingChangesTheStepButNotTheReportedLoss() {
    List<String> names = new ArrayList<>();
    List<Integer> ranks = new ArrayList<>();
    List<float[]> plain = afterOneStep(Optimizer.sgd(LR, 0), 0, names, ranks);
    List<float[]> smoothed = afterOneStep(Optimizer.sgd(LR, 0), 0.2, names, ranks);
    int kernel = ranks.indexOf(2);
    assertThat(smoothed.get(kernel)).isNotEqualTo(plain.get(kernel));
    try (TrainingGraph a = TrainingGraph.build(model(), Optimizer.sgd(LR, 0), 0, 3, Precision.FP32, null);
        TrainingGraph b = TrainingGraph.build(model(), Optimizer.sgd(LR, 0), 0.2, 3, Precision.FP32, null);
        TFloat32 x = images();
        TInt32 y = labels()) {
      // the same initial weights: the first step reports the same plain cross-entropy
      assertThat(b.trainStep(x, y, 0).loss()).isCloseTo(a.trainStep(x, y, 0).loss(), within(1e-6));
      double first = b.evaluate(x, y).loss();
      for (int step = 1; step < 40; step++) {
        b.trainStep(x, y, step);
      }
      assertThat(b.evaluate(x, y).loss()).as("smoothed training lowers the cross-entropy").isLessThan(first);
    }
  }
}
