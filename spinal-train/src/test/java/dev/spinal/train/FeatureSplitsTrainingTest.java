package dev.spinal.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spinal.core.heads.HeadKind;
import dev.spinal.core.model.Model;
import dev.spinal.datasets.DatasetSplits;
import dev.spinal.train.batches.FeatureCache;
import dev.spinal.train.batches.FeatureExtractor;
import dev.spinal.train.batches.FeatureSplits;
import dev.spinal.train.batches.FeatureSplitsReader;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.ndarray.Shape;

/**
 * Training a head on features handed in (computed elsewhere) is the frozen-backbone loop itself: the
 * same features give the same run, epoch for epoch; features that do not fit the model are refused.
 */
class FeatureSplitsTrainingTest {

  static TrainConfig config;
  static DatasetSplits data;
  static FeatureSplits features;

  @BeforeAll
  static void extract() {
    config = TrainConfig.builder().dataset("fashion-mnist").limit(600).backbone(FrozenRunTest.CNN.toString())
        .head(HeadKind.PROGRESSIVE).width(16).depth(2).optimizer(OptimizerKind.ADAM).batchSize(32).epochs(2)
        .seed(3).build();
    data = Runs.loadData(config);
    Model model = Runs.model(config, data.train());
    // the batches the trainer extracts with (256): other batch sizes round the last bit of some features differently
    try (FeatureExtractor fx = new FeatureExtractor(model.backbone(), null)) {
      features = new FeatureSplits("fashion-mnist", Shape.of(28, 28, 1), data.train().classNames(),
          fx.extract(data.train(), 256), fx.extract(data.validation(), 256), fx.extract(data.test(), 256), "test");
    }
  }

  @Test
  void featuresHandedInTrainAsTheTrainerOwnFrozenRun() {
    TrainResult own = Runs.trainer(config).build().fit(Runs.model(config, data.train()), data);
    TrainResult handedIn = Runs.trainer(config).build().fit(Runs.model(config, features), features);
    assertThat(handedIn.history()).hasSize(2);
    for (int e = 0; e < 2; e++) {
      assertThat(handedIn.history().get(e).trainLoss()).isEqualTo(own.history().get(e).trainLoss());
      assertThat(handedIn.history().get(e).testAccuracy()).isEqualTo(own.history().get(e).testAccuracy());
    }
  }

  @Test
  void featuresThatDoNotFitTheModelAreRefused() {
    Model model = Runs.model(config, features);
    Trainer trainer = Runs.trainer(config).build();
    FeatureSplits otherShape = new FeatureSplits("x", Shape.of(32, 32, 1), features.classNames(), features.train(),
        features.validation(), null, "elsewhere");
    assertThatThrownBy(() -> trainer.fit(model, otherShape))
        .hasMessage("the model reads images of [28, 28, 1] but the features of elsewhere were computed from images"
            + " of [32, 32, 1]");
    FeatureCache narrow = new FeatureCache(new float[4 * 3], new int[4], 3, 0);
    assertThatThrownBy(() -> trainer.fit(model, new FeatureSplits("x", Shape.of(28, 28, 1),
        features.classNames(), narrow, narrow, null, "elsewhere")))
        .hasMessageContaining("gives 128 features but elsewhere holds 3 per image");
    assertThatThrownBy(() -> new FeatureSplits("x", Shape.of(28, 28, 1), List.of("a", "b"),
        new FeatureCache(new float[3], new int[] {0, 1, 2}, 1, 0), narrow, null, "s"))
        .hasMessage("FeatureSplits.train: row 2 has label 2, outside [0, 2) of the 2 class names");
    assertThatThrownBy(() -> Runs.model(config.toBuilder().backbone("vgg5").build(), features))
        .hasMessageContaining("--features: give --backbone, the SavedModel backbone folder");
  }

  @Test
  void aFeaturesFolderNeedsAReader(@TempDir Path dir) {
    assertThatThrownBy(() -> FeatureSplitsReader.readAny(dir))
        .hasMessageContaining("no features reader is on the class path");
    assertThatThrownBy(() -> TrainConfig.builder().dataset("mnist").features(dir.toString()).build())
        .hasMessageContaining("--features trains on features computed before; it does not combine with --dataset");
  }
}
