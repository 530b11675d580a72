package dev.spinal.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spinal.core.heads.HeadKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Evaluating every N-th epoch and the last ({@link Trainer.Builder#evaluateEvery}, {@code --eval-every}): the epochs
 * between have no validation or test figures and cannot be the best, the training itself is the very same as with an
 * evaluation after every epoch, and the run's files and tables say which epochs were evaluated.
 */
class EvaluationFrequencyTest {

  @TempDir static Path dir;
  static TrainResult everyEpoch;
  static TrainResult everySecond;

  static TrainConfig config(int evaluateEvery) {
    return TrainConfig.builder().dataset("fashion-mnist").limit(2000).backbone("flatten").head(HeadKind.PROGRESSIVE)
        .width(32).depth(2).batchSize(50).epochs(5).seed(11).evaluateEvery(evaluateEvery).build();
  }

  @BeforeAll
  static void trainBoth() {
    everyEpoch = Runs.start(config(1), Runs.Options.of(dir.resolve("every-epoch")).withProgress(false));
    everySecond = Runs.start(config(2), Runs.Options.of(dir.resolve("every-second")).withProgress(false));
  }

  @Test
  void onlyEverySecondEpochAndTheLastAreEvaluatedAndOnlyTheyCanBeBest() {
    List<EpochMetrics> h = everySecond.history();
    assertThat(h).extracting(EpochMetrics::epoch).containsExactly(1, 2, 3, 4, 5);
    assertThat(h).extracting(EpochMetrics::evaluated).containsExactly(false, true, false, true, true);
    assertThat(h.get(0).validationAccuracy()).isNaN();
    assertThat(h.get(2).testAccuracy()).isNaN();
    assertThat(everySecond.bestEpoch()).isIn(2, 4, 5);
    EpochMetrics best = h.get(everySecond.bestEpoch() - 1);
    assertThat(everySecond.testAccuracy()).isEqualTo(best.testAccuracy());
    assertThat(everySecond.paperProtocolTestAccuracy()).as("the best test accuracy of the evaluated epochs")
        .isEqualTo(h.stream().mapToDouble(EpochMetrics::testAccuracy).filter(a -> !Double.isNaN(a)).max()
            .orElseThrow());
  }

  /** Skipping an evaluation changes nothing in the training: the same losses, and the same accuracy where measured. */
  @Test
  void theTrainingIsTheSameAsWithAnEvaluationAfterEveryEpoch() {
    for (int i = 0; i < 5; i++) {
      EpochMetrics all = everyEpoch.history().get(i);
      EpochMetrics some = everySecond.history().get(i);
      assertThat(some.trainLoss()).as("epoch %d", i + 1).isEqualTo(all.trainLoss());
      assertThat(some.step()).isEqualTo(all.step());
      if (some.evaluated()) {
        assertThat(some.validationAccuracy()).as("epoch %d", i + 1).isEqualTo(all.validationAccuracy());
        assertThat(some.testAccuracy()).as("epoch %d", i + 1).isEqualTo(all.testAccuracy());
      }
    }
  }

  @Test
  void theRunsFilesAndTablesShowTheEpochsNotEvaluated() throws Exception {
    Path run = dir.resolve("every-second");
    List<String> lines = Files.readAllLines(run.resolve("metrics.jsonl"));
    assertThat(lines).hasSize(5);
    JsonNode first = Checkpoints.JSON.readTree(lines.get(0));
    assertThat(first.path("validationAccuracy").asDouble()).isNaN();
    assertThat(Checkpoints.JSON.readTree(lines.get(1)).path("validationAccuracy").asDouble()).isBetween(0.5, 1.0);
    assertThat(Runs.readConfig(run).orElseThrow().evaluateEvery()).isEqualTo(2);
    String table = SummaryTable.render(everySecond);
    assertThat(table.lines().filter(l -> l.matches("\\s+1\\s.*")).findFirst().orElseThrow())
        .as("epoch 1: train accuracy, then '-' for validation and test").matches(".*%\\s+-\\s+-\\s.*");
    assertThat(table).contains("test accuracy at the best validation epoch (" + everySecond.bestEpoch() + ")");
  }

  /** Stopped after an epoch without evaluation and resumed: the checkpoint's NaN figures read back, and the run ends
   * as the uninterrupted one did. */
  @Test
  void aRunStoppedAfterAnEpochWithoutEvaluationResumesToTheSameEnd(@TempDir Path tmp) {
    Path run = tmp.resolve("run");
    TrainResult first = Runs.start(config(2), Runs.Options.of(run).withProgress(false).stoppingAfter(1));
    assertThat(first.history()).singleElement().extracting(EpochMetrics::evaluated).isEqualTo(false);
    TrainResult resumed = Runs.resume(Runs.Options.of(run).withProgress(false));
    assertThat(resumed.history()).extracting(EpochMetrics::evaluated).containsExactly(false, true, false, true, true);
    assertThat(resumed.history().get(0).validationAccuracy()).isNaN();
    assertThat(resumed.bestEpoch()).isEqualTo(everySecond.bestEpoch());
    assertThat(resumed.testAccuracy()).isEqualTo(everySecond.testAccuracy());
  }

  /** A step budget that ends the run within an epoch makes that epoch the last, and so evaluated. */
  @Test
  void anEpochCutShortByTheStepBudgetIsEvaluated(@TempDir Path tmp) {
    int perEpoch = 1800 / 50;
    TrainConfig cut = config(2).toBuilder().maxSteps(2L * perEpoch + 5).build();
    TrainResult r = Runs.start(cut, Runs.Options.of(tmp.resolve("run")).withProgress(false));
    assertThat(r.history()).extracting(EpochMetrics::evaluated).containsExactly(false, true, true);
  }

  /** The paper's plateau rule reacts to validation: after an epoch without evaluation the rate stays as it was. */
  @Test
  void aPlateauRuleWaitsForTheNextEvaluation(@TempDir Path tmp) {
    assertThat(Schedule.parse("plateau-cube").readsValidation()).isTrue();
    assertThat(Schedule.parse("cosine").readsValidation()).isFalse();
    TrainConfig plateau = config(3).toBuilder().epochs(6).schedule("plateau-cube").build();
    List<EpochMetrics> h = Runs.start(plateau, Runs.Options.of(tmp.resolve("run")).withProgress(false)).history();
    assertThat(h).extracting(EpochMetrics::evaluated).containsExactly(false, false, true, false, false, true);
    for (int i = 0; i < h.size() - 1; i++) {
      if (!h.get(i).evaluated()) {
        assertThat(h.get(i + 1).learningRate()).as("epoch %d's rate", i + 2).isEqualTo(h.get(i).learningRate());
      }
    }
    assertThatThrownBy(() -> Trainer.builder().evaluateEvery(0))
        .hasMessage("Trainer.evaluateEvery must be >= 1 (1: after every epoch), got 0");
  }
}
