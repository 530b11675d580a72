package dev.spinal.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.spinal.core.heads.HeadKind;
import dev.spinal.core.model.Model;
import dev.spinal.datasets.DatasetSplits;
import dev.spinal.train.callbacks.Callback;
import dev.spinal.train.callbacks.Checkpointing;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A frozen Keras backbone goes through the same loop as images: a stop in the middle of an epoch (the
 * path Ctrl-C takes: StopOnSignal asks FitContext.requestStop) checkpoints where it stopped and a
 * resume completes the run as if uninterrupted; a run folder stopped after one epoch resumes too.
 */
class FrozenRunTest {

  static final Path CNN = Path.of("..", "saved-models", "fmnist04-cnn").toAbsolutePath().normalize();
  static TrainConfig config;
  static DatasetSplits data;

  @BeforeAll
  static void load() {
    config = TrainConfig.builder().dataset("fashion-mnist").limit(1200).backbone(CNN.toString())
        .head(HeadKind.PROGRESSIVE).width(32).depth(3).optimizer(OptimizerKind.ADAM).learningRate(0.001)
        .batchSize(32).epochs(2).seed(9).keepCheckpoints(3).build();
    data = Runs.loadData(config);
  }

  @Test
  void stopMidEpochThenResumeEqualsAnUninterruptedRun(@TempDir Path dir) {
    Model model = Runs.model(config, data.train());
    assertThat(model.backbone().frozen()).isTrue();
    TrainResult uninterrupted = Runs.trainer(config).build().fit(model, data);

    Callback stop = new Callback() {
      @Override
      public void onBatchEnd(FitContext fit, BatchEnd batch) {
        assertThat(fit.trainsCachedFeatures()).isTrue();
        if (batch.epoch() == 1 && batch.batch() == 10) {
          fit.requestStop();
        }
      }
    };
    Checkpointing checkpoints = new Checkpointing(dir, 3);
    TrainResult stopped = Runs.trainer(config).callbacks(checkpoints, stop).build().fit(model, data);
    assertThat(stopped.stoppedEarly()).isTrue();
    assertThat(stopped.history()).hasSize(1);
    Path latest = checkpoints.checkpoints().latest().orElseThrow();
    RunState state = readState(latest);
    assertThat(state.epochsDone()).isEqualTo(1);
    assertThat(state.batchesDone()).isEqualTo(11);

    TrainResult resumed = Runs.trainer(config).resumeFrom(latest).build().fit(Runs.model(config, data.train()), data);
    assertThat(resumed.stoppedEarly()).isFalse();
    assertThat(resumed.history()).hasSize(2);
    assertThat(resumed.history().get(1).trainLoss()).isCloseTo(uninterrupted.history().get(1).trainLoss(), within(1e-6));
    assertThat(resumed.testAccuracy()).isEqualTo(uninterrupted.testAccuracy());
  }

  @Test
  void runFolderStoppedAfterOneEpochResumes(@TempDir Path dir) throws Exception {
    Path run = dir.resolve("run");
    TrainResult first = Runs.start(config, Runs.Options.of(run).withProgress(false).stoppingAfter(1));
    assertThat(first.stoppedEarly()).isTrue();
    assertThat(Files.readAllLines(run.resolve("metrics.jsonl"))).hasSize(1);
    assertThat(run.resolve("machine.json")).exists();
    TrainResult resumed = Runs.resume(Runs.Options.of(run).withProgress(false));
    assertThat(resumed.stoppedEarly()).isFalse();
    assertThat(resumed.history()).hasSize(2);
    assertThat(Files.readAllLines(run.resolve("metrics.jsonl"))).hasSize(2);
    assertThat(run.resolve("result.json")).exists();
  }

  static RunState readState(Path checkpoint) {
    try {
      return Checkpoints.JSON_READER.readValue(checkpoint.resolve("state.json").toFile(), RunState.class);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
