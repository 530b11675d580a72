package dev.spinal.train.transfer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.spinal.core.heads.HeadKind;
import dev.spinal.core.heads.HeadSpec;
import dev.spinal.core.model.Model;
import dev.spinal.datasets.DatasetSplits;
import dev.spinal.datasets.ImageDataset;
import dev.spinal.savedmodel.FineTune;
import dev.spinal.savedmodel.SavedModelBackbone;
import dev.spinal.train.Runs;
import dev.spinal.train.TrainingGraph;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tensorflow.Result;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Fine-tuning TF2 SavedModels as Keras writes them ({@code StatefulPartitionedCall} capturing
 * resource variables): the backbone's weights are trained, batch norm's scale and offset only when
 * asked, its moving statistics never.
 */
class Tf2FineTuneTest {


  /**
   * Adam steps (10; 5 for EfficientNet) on one batch of 16 Fashion-MNIST images. The CNN's trained features let the loss fall
   * far; MobileNetV2's random weights give features near 0 (|f| < 1e-11), so its loss falls only as
   * far as the head can take it from the class prior unless batch norm's offsets are trained too (measured
   * 2.30 -> 2.27 without them, 2.30 -> 2.20 with). EfficientNet-Lite0 (ImageNet) runs when this machine
   * has built it.
   */
  @ParameterizedTest
  @CsvSource({"fmnist04-cnn, WEIGHTS, 10, 0.2", "mobilenetv2-32, WEIGHTS_AND_BATCH_NORM, 10, 0.98",
      "efficientnet-lite0, WEIGHTS, 5, 0.95"})
  void stepsOnAFixedBatchLowerTheLossAndMoveTheBackboneWeights(String name, FineTune fineTune, int steps,
      double lossRatio) {
    DatasetSplits data = Runs.loadData("fashion-mnist", null, 200, 3);
    ImageDataset train = data.train();
    Path folder = TransferTrainingTest.folder(name);
    assumeTrue(Files.isDirectory(folder), name + " is not built on this machine: run"
        + " bash saved-models/make_backbones.sh " + name);
    SavedModelBackbone backbone = SavedModelBackbone.load(folder, 28, 28, 1, fineTune);
    assertThat(backbone.frozen()).isFalse();
    assertThat(backbone.trainedWeights().size()).isPositive().isLessThan(backbone.weightCount());
    Model model = Model.builder().backbone(backbone)
        .head(HeadKind.PROGRESSIVE.create(HeadSpec.builder().inputSize(backbone.featureSize()).width(32).depth(2)
            .classes(10).dropout(0).batchNorm(false).build()))
        .normalization(new float[] {0f}, new float[] {1f}).build();
    int n = 16;
    long t0 = System.nanoTime();
    try (TrainingGraph g = TrainingGraph.build(model, Runs.trainer(TransferTrainingTest.config(name, 200, 1, true)
            .toBuilder().learningRate(0.003).build()).build().optimizer(), 3, dev.spinal.train.Precision.FP32, null);
        TFloat32 x = TransferTrainingTest.firstImages(train, n);
        TInt32 y = labels(train, n)) {
      List<Variable<?>> backboneVars = g.trainableVariables().stream()
          .filter(v -> v.op().name().startsWith(SavedModelBackbone.PREFIX + "/")).toList();
      assertThat(backboneVars).hasSize(backbone.trainedWeights().size());
      float[] before = values(g, backboneVars);
      long t1 = System.nanoTime();
      double first = g.trainStep(x, y, 0).loss();
      long t2 = System.nanoTime();
      double last = first;
      for (int step = 1; step < steps; step++) {
        last = g.trainStep(x, y, step).loss();
      }
      long t3 = System.nanoTime();
      float[] after = values(g, backboneVars);
      System.out.printf("%s: graph built and initialized in %.1f s, first step %.1f s, then %.0f ms per step%n", name,
          (t1 - t0) / 1e9, (t2 - t1) / 1e9, (t3 - t2) / 1e6 / (steps - 1));
      double moved = 0;
      for (int i = 0; i < before.length; i++) {
        moved = Math.max(moved, Math.abs(before[i] - after[i]));
      }
      System.out.printf("%s %s: %d trained backbone weights (%d values), loss %.4f -> %.4f, max weight change %.3g%n",
          name, fineTune, backboneVars.size(), before.length, first, last, moved);
      assertThat(last).isLessThan(first * lossRatio);
      assertThat(moved).isGreaterThan(1e-6);
    }
  }

  static TInt32 labels(ImageDataset split, int n) {
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      y[i] = split.label(i);
    }
    return TInt32.tensorOf(Shape.of(n), DataBuffers.of(y, true, false));
  }

  static float[] values(TrainingGraph g, List<Variable<?>> vars) {
    var runner = g.session().runner();
    vars.forEach(runner::fetch);
    try (Result r = runner.run()) {
      float[][] parts = new float[r.size()][];
      for (int i = 0; i < r.size(); i++) {
        parts[i] = new float[(int) r.get(i).shape().size()];
        ((TFloat32) r.get(i)).asRawTensor().data().asFloats().read(parts[i]);
      }
      return Arrays.stream(parts).reduce(new float[0], (a, b) -> {
        float[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
      });
    }
  }
}
