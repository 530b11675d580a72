package dev.spinal.train.ablation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spinal.core.GraphContext;
import dev.spinal.core.heads.HeadKind;
import dev.spinal.core.model.ModelGraph;
import dev.spinal.datasets.Augmentations;
import dev.spinal.datasets.Batch;
import dev.spinal.datasets.DatasetSplits;
import dev.spinal.train.OptimizerKind;
import dev.spinal.train.Precision;
import dev.spinal.train.Runs;
import dev.spinal.train.TrainConfig;
import dev.spinal.train.Trainer;
import dev.spinal.train.TrainingGraph;
import dev.spinal.train.batches.BatchSource;
import dev.spinal.train.batches.ImageBatches;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.core.Variable;

/**
 * What makes an ablation paired, on VGG-5 (whose initialization is what could differ): two heads with the same
 * seed start from the same backbone weights in the trainer's graph and see the same augmented batches in the
 * same order; another seed changes both (the control that shows the checks can fail).
 */
class PairingTest {

  static DatasetSplits data;

  static TrainConfig config(HeadKind head, long seed) {
    return TrainConfig.builder().dataset("fashion-mnist").limit(200).backbone("vgg5").head(head).width(32).depth(3)
        .optimizer(OptimizerKind.ADAM).batchSize(16).epochs(1).seed(seed).augment(true).build();
  }

  @BeforeAll
  static void load() {
    data = Runs.loadData(config(HeadKind.PROGRESSIVE, 4));
  }

  /** SHA-256 of the backbone's variables (names and values) in the trainer's graph of {@code config}. */
  static String backboneInitInTrainer(TrainConfig config) throws Exception {
    try (TrainingGraph graph = TrainingGraph.build(Runs.model(config, data.train()),
        Runs.trainer(config).build().optimizer(), config.seed(), Precision.FP32, null)) {
      return sha(graph.session(), graph.backboneVariables());
    }
  }

  /** The same in a training-mode model graph (what the trainer builds before adding the optimizer). */
  static String backboneInit(TrainConfig config) throws Exception {
    try (ModelGraph graph = ModelGraph.build(Runs.model(config, data.train()), GraphContext.Mode.TRAINING,
        config.seed(), null)) {
      return sha(graph.session(), graph.classifier().backboneVariables());
    }
  }

  static String sha(Session session, List<Variable<?>> vars) throws Exception {
    assertThat(vars).hasSizeGreaterThan(10); // 10 convs: kernel, bias, batch-norm scale/offset, statistics
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    Session.Runner runner = session.runner();
    vars.forEach(runner::fetch);
    try (Result r = runner.run()) {
      for (int i = 0; i < r.size(); i++) {
        sha.update(vars.get(i).op().name().getBytes());
        var bytes = r.get(i).asRawTensor().data();
        byte[] b = new byte[(int) bytes.size()];
        bytes.read(b);
        sha.update(b);
      }
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  /** SHA-256 of the first three training batches (indices, labels, augmented pixels) a trainer of {@code config} gets. */
  static String firstBatches(TrainConfig config) throws Exception {
    Trainer trainer = Runs.trainer(config).build();
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    BatchSource source = ImageBatches.augmented(data.train(), config.augment() ? Augmentations.mnistPaperTrain()
        : List.of());
    try (BatchSource.Batches batches = source.epoch(0, trainer.batchSize(), trainer.seed())) {
      for (int i = 0; i < 3; i++) {
        try (Batch b = batches.next()) {
          for (int index : b.indices()) {
            sha.update((byte) index);
            sha.update((byte) (index >> 8));
          }
          var pixels = b.images().asRawTensor().data();
          byte[] bytes = new byte[(int) pixels.size()];
          pixels.read(bytes);
          sha.update(bytes);
        }
      }
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  @Test
  void twoHeadsWithTheSameSeedStartFromTheSameBackboneWeights() throws Exception {
    String progressive = backboneInitInTrainer(config(HeadKind.PROGRESSIVE, 4));
    String dense = backboneInit(config(HeadKind.DENSE, 4));
    String otherSeed = backboneInit(config(HeadKind.PROGRESSIVE, 5));
    assertThat(dense).isEqualTo(progressive);
    assertThat(otherSeed).isNotEqualTo(progressive);
  }

  @Test
  void twoHeadsWithTheSameSeedGetTheSameAugmentedBatchesInTheSameOrder() throws Exception {
    String progressive = firstBatches(config(HeadKind.PROGRESSIVE, 4));
    assertThat(firstBatches(config(HeadKind.SPINAL, 4))).isEqualTo(progressive);
    assertThat(firstBatches(config(HeadKind.PROGRESSIVE, 5))).isNotEqualTo(progressive);
  }
}
