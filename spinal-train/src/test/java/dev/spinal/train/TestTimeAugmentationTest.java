package dev.spinal.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.spinal.core.model.Model;
import dev.spinal.datasets.Augmentations;
import dev.spinal.datasets.Batch;
import dev.spinal.datasets.BatchStream;
import dev.spinal.datasets.DatasetSplits;
import dev.spinal.datasets.ImageDataset;
import dev.spinal.datasets.Normalization;
import dev.spinal.savedmodel.ExportedModel;
import dev.spinal.train.callbacks.Checkpointing;
import dev.spinal.train.callbacks.ExportBest;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

/** Test-time augmentation: the mirrored view, the scoring of the mean probabilities, and both places that use it. */
class TestTimeAugmentationTest {

  @Test
  void mirroredReversesEachRowsColumnsAndKeepsChannelsTogether() {
    // 1 image, 2 rows, 3 columns, 2 channels: value = 100 * row + 10 * column + channel
    float[] pixels = new float[12];
    for (int r = 0; r < 2; r++) {
      for (int c = 0; c < 3; c++) {
        for (int ch = 0; ch < 2; ch++) {
          pixels[(r * 3 + c) * 2 + ch] = 100 * r + 10 * c + ch;
        }
      }
    }
    try (TFloat32 x = TFloat32.tensorOf(Shape.of(1, 2, 3, 2), DataBuffers.of(pixels, true, false));
        TFloat32 m = TestTimeAugmentation.mirrored(x)) {
      float[] out = new float[12];
      m.asRawTensor().data().asFloats().read(out);
      assertThat(m.shape()).isEqualTo(Shape.of(1, 2, 3, 2));
      assertThat(out).containsExactly(20, 21, 10, 11, 0, 1, 120, 121, 110, 111, 100, 101);
    }
  }

  @Test
  void shiftedViewsMoveByOnePixelAndRepeatTheEdge() {
    // 1 image, 3 rows, 3 columns, 1 channel: value = 10 * row + column
    float[] pixels = {0, 1, 2, 10, 11, 12, 20, 21, 22};
    try (TFloat32 x = TFloat32.tensorOf(Shape.of(1, 3, 3, 1), DataBuffers.of(pixels, true, false));
        TFloat32 down = TestTimeAugmentation.shifted(x, 1, 0);
        TFloat32 left = TestTimeAugmentation.shifted(x, 0, -1)) {
      assertThat(read(down)).containsExactly(0, 1, 2, 0, 1, 2, 10, 11, 12);
      assertThat(read(left)).containsExactly(1, 2, 2, 11, 12, 12, 21, 22, 22);
      List<TFloat32> views = TestTimeAugmentation.FLIP_SHIFT.extraViews(x);
      try {
        assertThat(views).hasSize(9).allSatisfy(v -> assertThat(v.shape()).isEqualTo(Shape.of(1, 3, 3, 1)));
        assertThat(read(views.get(0))).as("the mirror image first").containsExactly(2, 1, 0, 12, 11, 10, 22, 21, 20);
        assertThat(read(views.get(1))).as("then the image moved up").containsExactly(10, 11, 12, 20, 21, 22, 20, 21,
            22);
        assertThat(read(views.get(8))).as("the mirror image moved right last").containsExactly(2, 2, 1, 12, 12, 11,
            22, 22, 21);
      } finally {
        views.forEach(TFloat32::close);
      }
    }
    assertThat(TestTimeAugmentation.parse("Flip-Shift")).isEqualTo(TestTimeAugmentation.FLIP_SHIFT);
  }

  private static float[] read(TFloat32 t) {
    float[] out = new float[(int) t.shape().size()];
    t.asRawTensor().data().asFloats().read(out);
    return out;
  }

  @Test
  void theMeanProbabilityDecidesAndGivesTheLoss() {
    // 2 examples, 3 classes. Example 0: view 1 says class 0 (0.6), view 2 class 2 (0.7); the mean says class 2
    // (0.45 vs 0.35). Example 1: the views tie on classes 0 and 1 after averaging: the first wins, as argmax.
    float[] view1 = {0.6f, 0.2f, 0.2f, 0.5f, 0.3f, 0.2f};
    float[] view2 = {0.1f, 0.2f, 0.7f, 0.3f, 0.5f, 0.2f};
    TestTimeAugmentation.Score s = TestTimeAugmentation.score(List.of(view1, view2), new int[] {2, 1});
    assertThat(s.correct()).isEqualTo(1);
    assertThat(s.lossSum()).isCloseTo(-Math.log(0.45) - Math.log(0.4), within(1e-6));
    // one view: its own argmax and cross-entropy
    TestTimeAugmentation.Score alone = TestTimeAugmentation.score(List.of(view1), new int[] {0, 0});
    assertThat(alone.correct()).isEqualTo(2);
    assertThat(alone.lossSum()).isCloseTo(-Math.log(0.6) - Math.log(0.5), within(1e-6));
  }

  @Test
  void badInputIsNamed() {
    assertThatThrownBy(() -> TestTimeAugmentation.parse("rotate"))
        .hasMessage("unknown test-time augmentation 'rotate'; expected none, flip or flip-shift");
    assertThat(TestTimeAugmentation.parse(" FLIP ")).isEqualTo(TestTimeAugmentation.FLIP);
    assertThatThrownBy(() -> TestTimeAugmentation.score(List.of(new float[] {0.5f, 0.5f}), new int[] {2}))
        .hasMessage("label 2 of example 0 is not one of the 2 classes");
    assertThatThrownBy(() -> TestTimeAugmentation.score(List.of(new float[4], new float[6]), new int[] {0, 1}))
        .hasMessage("every view needs [2, 2] probabilities, got 6 values");
    try (TFloat32 flat = TFloat32.tensorOf(Shape.of(2, 3))) {
      assertThatThrownBy(() -> TestTimeAugmentation.mirrored(flat))
          .hasMessage("images must be [n, height, width, channels], got [2, 3]");
    }
  }

  private static Trainer.Builder trainer(TestTimeAugmentation tta) {
    return Trainer.builder().optimizer(Optimizer.adam(0.002)).epochs(2).batchSize(50).seed(5)
        .testTimeAugmentation(tta);
  }

  /**
   * The trainer's flip accuracy, the export's, and one computed here from views mirrored by the datasets' own flip
   * augmentation all agree; the training itself is the one without test-time augmentation.
   */
  @Test
  void trainerAndExportReadTheSameFlipEnsemble(@TempDir Path dir) throws Exception {
    DatasetSplits data = Runs.loadData("fashion-mnist", null, 1500, 5);
    Checkpointing checkpoints = new Checkpointing(dir.resolve("run"), 2);
    TrainResult flip = trainer(TestTimeAugmentation.FLIP)
        .callbacks(checkpoints, new ExportBest(checkpoints, dir.resolve("export"))).build()
        .fit(TestModels.pixelsProgressive(), data);
    TrainResult plain = trainer(TestTimeAugmentation.NONE).build().fit(TestModels.pixelsProgressive(), data);

    for (int e = 0; e < 2; e++) {
      EpochMetrics f = flip.history().get(e);
      EpochMetrics p = plain.history().get(e);
      assertThat(f.trainLoss()).as("epoch %d trains the same", e + 1).isEqualTo(p.trainLoss());
      assertThat(f.testLoss()).as("epoch %d: the flip ensemble is another classifier", e + 1)
          .isNotCloseTo(p.testLoss(), within(1e-4));
    }

    try (ExportedModel export = ExportedModel.load(dir.resolve("export"))) {
      ImageDataset test = data.test();
      Trainer.Evaluation exported = ExportedModelEvaluation.evaluate(export, test, TestTimeAugmentation.FLIP, 128);
      assertThat(exported.images()).isEqualTo(test.size());
      assertThat(exported.accuracy()).isEqualTo(flip.testAccuracy());
      assertThat(exported.loss()).isCloseTo(flip.history().get(flip.bestEpoch() - 1).testLoss(), within(1e-4));

      // by hand: the datasets' flip augmentation (p = 1) mirrors the second view
      long correct = 0;
      try (BatchStream images = BatchStream.builder(test).batchSize(test.size()).normalize(Normalization.UNIT)
              .dropLast(false).build();
          BatchStream mirrored = BatchStream.builder(test).batchSize(test.size()).normalize(Normalization.UNIT)
              .augment(Augmentations.randomHorizontalFlip(1.0)).dropLast(false).build();
          Batch a = images.next();
          Batch b = mirrored.next()) {
        float[] pa = export.probabilities(a.images());
        float[] pb = export.probabilities(b.images());
        for (int i = 0; i < test.size(); i++) {
          int best = 0;
          for (int k = 1; k < 10; k++) {
            if (pa[i * 10 + k] + pb[i * 10 + k] > pa[i * 10 + best] + pb[i * 10 + best]) {
              best = k;
            }
          }
          correct += best == test.label(a.indices()[i]) ? 1 : 0;
        }
      }
      assertThat(exported.accuracy()).isEqualTo((double) correct / test.size());

      Trainer.Evaluation alone = ExportedModelEvaluation.evaluate(export, test, TestTimeAugmentation.NONE, 128);
      assertThat(alone.loss()).isNotCloseTo(exported.loss(), within(1e-4));
    }
  }

  @Test
  void aFrozenBackboneRefusesIt() {
    DatasetSplits data = Runs.loadData("fashion-mnist", null, 300, 5);
    Model frozen = TestModels.frozenPixelsDense();
    assertThatThrownBy(() -> trainer(TestTimeAugmentation.FLIP).build().fit(frozen, data))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("test-time augmentation does not combine with a frozen backbone (frozen pixels)");
  }
}
