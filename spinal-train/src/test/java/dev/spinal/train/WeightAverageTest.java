package dev.spinal.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.spinal.core.GraphContext;
import dev.spinal.core.model.Model;
import dev.spinal.core.model.ModelGraph;
import dev.spinal.train.optim.WeightAverage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/** The exponential moving average of the weights: its values step by step, and that evaluation and resume use it. */
class WeightAverageTest {

  private static final double DECAY = 0.5;

  /** With batch norm: moving statistics to average too. */
  private static Model model() {
    return TestModels.tinyProgressive(true);
  }

  private static TrainingGraph averaged() {
    return TrainingGraph.build(model(), Trainer.builder().optimizer(Optimizer.sgd(0.1, 0.9)).weightAverage(DECAY)
        .seed(3).build());
  }

  private static TFloat32 images(int seed) {
    return TestModels.tinyImages(seed);
  }

  private static TInt32 labels() {
    return TestModels.tinyLabels();
  }

  private static List<float[]> read(Session session, List<? extends Operand<?>> variables) {
    Session.Runner runner = session.runner();
    variables.forEach(runner::fetch);
    List<float[]> out = new ArrayList<>();
    try (Result r = runner.run()) {
      for (int i = 0; i < r.size(); i++) {
        float[] values = new float[(int) r.get(i).shape().size()];
        ((TFloat32) r.get(i)).copyTo(DataBuffers.of(values, false, false));
        out.add(values);
      }
    }
    return out;
  }

  @Test
  void averagesFollowTensorFlowsFormulaAfterEveryStep() {
    try (TrainingGraph g = averaged()) {
      WeightAverage average = g.weightAverage().orElseThrow();
      assertThat(average.variables()).as("weights and batch-norm statistics")
          .hasSize(g.context().trainableVariables().size() + g.context().nonTrainableVariables().size())
          .anySatisfy(v -> assertThat(v.op().name()).contains("moving"));
      double[][] expected = null;
      List<float[]> weights = null;
      for (int step = 0; step < 20; step++) {
        try (TFloat32 x = images(step);
            TInt32 y = labels()) {
          g.trainStep(x, y, step);
        }
        weights = read(g.session(), average.variables());
        // the first step copies; then d = min(decay, (1 + t) / (10 + t)): 0.1 .. 0.47 for t = 1..7, then 0.5
        double d = step == 0 ? 0 : Math.min(DECAY, (1.0 + step) / (10.0 + step));
        if (expected == null) {
          expected = new double[weights.size()][];
        }
        for (int v = 0; v < weights.size(); v++) {
          float[] w = weights.get(v);
          if (expected[v] == null) {
            expected[v] = new double[w.length];
          }
          for (int k = 0; k < w.length; k++) {
            expected[v][k] = d * expected[v][k] + (1 - d) * w[k];
          }
        }
        List<float[]> averages = read(g.session(), average.averages());
        for (int v = 0; v < weights.size(); v++) {
          for (int k = 0; k < weights.get(v).length; k++) {
            assertThat((double) averages.get(v)[k]).as("step %s, %s[%s]", step, average.variables().get(v).op().name(),
                k).isCloseTo(expected[v][k], within(1e-5 + 1e-5 * Math.abs(expected[v][k])));
          }
        }
      }
      // it averages: the first kernel's average is not its current value
      assertThat(read(g.session(), average.averages()).get(0)).isNotEqualTo(weights.get(0));
    }
  }

  @Test
  void evaluationReadsTheAveragesAndACheckpointKeepsThem(@TempDir Path dir) {
    List<float[]> averages;
    Checkpoints checkpoints = new Checkpoints(dir, 1);
    Path saved;
    double averagedLoss;
    try (TrainingGraph g = averaged();
        TFloat32 x = images(1);
        TInt32 y = labels()) {
      for (int step = 0; step < 12; step++) {
        g.trainStep(x, y, step);
      }
      WeightAverage average = g.weightAverage().orElseThrow();
      averages = read(g.session(), average.averages());
      var inference = g.inference();
      List<Operand<?>> copied = new ArrayList<>();
      for (var v : average.variables()) {
        copied.add(inference.graph().operation(v.op().name()).output(0));
      }
      List<float[]> inInference = read(inference.session(), copied);
      for (int v = 0; v < averages.size(); v++) {
        assertThat(inInference.get(v)).as(average.variables().get(v).op().name()).containsExactly(averages.get(v));
      }
      assertThat(inInference.get(0)).as("not the current weights")
          .isNotEqualTo(read(g.session(), average.variables()).get(0));
      averagedLoss = g.evaluate(x, y).loss();
      // what an export of a head trained on cached features copies into its backbone + head graph
      try (ModelGraph full = ModelGraph.build(model(), GraphContext.Mode.INFERENCE, 3, null)) {
        g.copyModelInto(full.graph(), full.session());
        List<Operand<?>> inFull = new ArrayList<>();
        for (var v : average.variables()) {
          inFull.add(full.graph().operation(v.op().name()).output(0));
        }
        List<float[]> exported = read(full.session(), inFull);
        for (int v = 0; v < averages.size(); v++) {
          assertThat(exported.get(v)).containsExactly(averages.get(v));
        }
      }
      saved = checkpoints.save(g.session(), RunState.start(0.1), false);
    }
    try (TrainingGraph resumed = averaged();
        TFloat32 x = images(1);
        TInt32 y = labels()) {
      Checkpoints.restore(resumed.session(), saved);
      List<float[]> restored = read(resumed.session(), resumed.weightAverage().orElseThrow().averages());
      for (int v = 0; v < averages.size(); v++) {
        assertThat(restored.get(v)).containsExactly(averages.get(v));
      }
      assertThat(resumed.evaluate(x, y).loss()).isEqualTo(averagedLoss);
    }
  }

  @Test
  void aDecayOutsideZeroToOneIsRefused() {
    assertThatThrownBy(() -> Trainer.builder().weightAverage(1))
        .hasMessage("Trainer.weightAverage must be 0 (none) or in (0, 1), got 1.0");
    try (TrainingGraph plain = TrainingGraph.build(model(), Trainer.builder().build())) {
      assertThat(plain.weightAverage()).isEmpty();
    }
  }
}
