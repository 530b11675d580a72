package dev.spinal.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.spinal.core.GraphContext;
import dev.spinal.core.backbones.Vgg5Backbone;
import dev.spinal.core.model.Model;
import dev.spinal.core.model.ModelGraph;
import dev.spinal.core.model.VariableCopy;
import dev.spinal.savedmodel.ExportedModel;
import dev.spinal.savedmodel.ModelExporter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Result;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The training graph and its inference twin: evaluation and the export see every training step
 * (weights and the batch-norm statistics folded into the twin's convolutions) and every restore
 * through {@link TrainingGraph#session()}.
 */
class TrainingGraphTest {

  @TempDir Path dir;

  private static final long SEED = 5;

  /** VGG-5 (batch norms to fold) + a progressive head of width 16, depth 2, dropout 0.2; ten classes. */
  private static Model model() {
    return TestModels.progressive(new Vgg5Backbone(), 16, 10, 0.2, false, 0.3f, 0.3f);
  }

  @Test
  void evaluationFollowsTrainingStepsAndRestores() throws Exception {
    Random random = new Random(3);
    float[] pixels = new float[8 * 28 * 28];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = random.nextFloat();
    }
    int[] classes = {0, 1, 2, 3, 4, 5, 6, 7};
    try (TrainingGraph g = TrainingGraph.build(model(), Optimizer.adam(0.01), SEED, Precision.FP32, null);
        TFloat32 x = TrainingGraph.imagesTensor(pixels, 8, Shape.of(28, 28, 1));
        TInt32 y = TInt32.tensorOf(Shape.of(8), DataBuffers.of(classes, true, false))) {
      Checkpoints checkpoints = new Checkpoints(dir, 3);
      RunState start = RunState.start(0.01);
      Path initial = checkpoints.save(g.session(), start, false);
      double before = g.evaluate(x, y).loss();
      for (int step = 0; step < 30; step++) {
        g.trainStep(x, y, step);
      }
      TrainingGraph.StepResult after = g.evaluate(x, y);
      // the twin (folded batch norms) computes what one switched graph computes in inference mode
      // with the trained weights and moving statistics
      assertThat(after.loss()).isNotCloseTo(before, within(1e-3));
      Switched switched = switchedInference(g, x, y);
      assertThat(after.loss()).isCloseTo(switched.loss(), within(1e-4));
      assertThat(g.evaluate(x, y).loss()).isEqualTo(after.loss());

      // the export (the twin with its folded kernels) read back by TF Java's SavedModel loader
      Path version = ModelExporter.export(g.inference(), dir.resolve("export"),
          List.of("a", "b", "c", "d", "e", "f", "g", "h", "i", "j"), Map.of());
      try (ExportedModel model = ExportedModel.load(version)) {
        assertThat(model.probabilities(x)).containsExactly(switched.probabilities(), within(1e-5f));
        // and Python TensorFlow must load it alike (run-tests' Python check)
        PythonCheck.write("vgg5-folded", model, x);
      }

      Checkpoints.restore(g.session(), initial);
      assertThat(g.evaluate(x, y).loss()).isCloseTo(before, within(1e-6));
    }
  }

  private record Switched(double loss, float[] probabilities) {}

  /** Loss and probabilities of a switched graph (default: inference) holding the trained variables. */
  private static Switched switchedInference(TrainingGraph trained, TFloat32 x, TInt32 y) {
    try (ModelGraph switched = ModelGraph.build(model(), GraphContext.Mode.SWITCHED, SEED, null)) {
      List<Variable<?>> all = new ArrayList<>(trained.context().trainableVariables());
      all.addAll(trained.context().nonTrainableVariables());
      VariableCopy.prepare(all, switched.graph()).copy(trained.session(), switched.session());
      try (Result r = switched.session().runner().feed(switched.images(), x).feed(switched.labels(), y)
          .fetch(switched.loss()).fetch(switched.classifier().probabilities()).run()) {
        TFloat32 p = (TFloat32) r.get(1);
        float[] probabilities = new float[(int) p.shape().size()];
        p.asRawTensor().data().asFloats().read(probabilities);
        return new Switched(((TFloat32) r.get(0)).getFloat(), probabilities);
      }
    }
  }
}
