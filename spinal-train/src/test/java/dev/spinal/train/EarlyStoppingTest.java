package dev.spinal.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spinal.core.heads.HeadKind;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Early stopping ({@link Trainer.Builder#earlyStopping}, {@code --early-stopping}): the run ends where its validation
 * accuracy stopped improving for the patience, as read off the same run trained to its end; it counts as finished,
 * and a resume trains no more.
 */
class EarlyStoppingTest {

  static final int EPOCHS = 14;
  static final int PATIENCE = 2;
  @TempDir static Path dir;
  static TrainResult full;

  /** 270 training and 30 validation images at a high rate: validation accuracy stops improving within a few epochs. */
  static TrainConfig config(int patience, int evaluateEvery) {
    return TrainConfig.builder().dataset("fashion-mnist").limit(300).backbone("flatten").head(HeadKind.PROGRESSIVE)
        .width(16).depth(2).learningRate(0.003).batchSize(30).epochs(EPOCHS).seed(4).earlyStopping(patience)
        .evaluateEvery(evaluateEvery).build();
  }

  @BeforeAll
  static void trainToTheEnd() {
    full = Runs.start(config(0, 1), Runs.Options.of(dir.resolve("full")).withProgress(false));
  }

  /** The first epoch after which PATIENCE evaluated epochs in a row did not beat the best so far, or EPOCHS. */
  static int whereItShouldEnd(List<EpochMetrics> history, int patience) {
    double best = Double.NEGATIVE_INFINITY;
    int without = 0;
    for (EpochMetrics m : history) {
      if (!m.evaluated()) {
        continue;
      }
      if (m.validationAccuracy() > best) {
        best = m.validationAccuracy();
        without = 0;
      } else if (++without == patience) {
        return m.epoch();
      }
    }
    return history.size();
  }

  @Test
  void theRunEndsWhereValidationStoppedImprovingAndCountsAsFinished() {
    int end = whereItShouldEnd(full.history(), PATIENCE);
    assertThat(end).as("this run's validation accuracy plateaus before its last epoch").isLessThan(EPOCHS);
    assertThat(full.history()).hasSize(EPOCHS);
    assertThat(full.earlyStopped()).isFalse();

    Path run = dir.resolve("early");
    TrainResult early = Runs.start(config(PATIENCE, 1), Runs.Options.of(run).withProgress(false));
    assertThat(early.history()).hasSize(end);
    assertThat(early.earlyStopped()).isTrue();
    assertThat(early.stoppedEarly()).as("not interrupted").isFalse();
    for (int i = 0; i < end; i++) {
      assertThat(early.history().get(i).trainLoss()).as("epoch %d", i + 1)
          .isEqualTo(full.history().get(i).trainLoss());
    }
    assertThat(early.bestEpoch()).isEqualTo(end - PATIENCE);
    assertThat(early.testAccuracy()).isEqualTo(full.history().get(end - PATIENCE - 1).testAccuracy());
    assertThat(Runs.finishedResult(run)).as("finished: an ablation does not train it again").isPresent();
    assertThat(SummaryTable.render(early)).contains("(ended by early stopping after epoch " + end + ")");

    TrainResult resumed = Runs.resume(Runs.Options.of(run).withProgress(false));
    assertThat(resumed.history()).as("nothing more trained").hasSize(end);
    assertThat(resumed.earlyStopped()).isTrue();
  }

  /** With --eval-every the patience counts evaluations, not epochs. */
  @Test
  void thePatienceCountsEvaluations(@TempDir Path tmp) {
    TrainResult early = Runs.start(config(PATIENCE, 2), Runs.Options.of(tmp.resolve("run")).withProgress(false));
    int end = whereItShouldEnd(full.history().stream().map(m -> m.epoch() % 2 == 0 ? m : new EpochMetrics(m.epoch(),
        m.step(), m.learningRate(), m.trainLoss(), m.trainAccuracy(), Double.NaN, Double.NaN, Double.NaN, Double.NaN,
        m.seconds(), m.imagesPerSecond(), m.dataWaitFraction())).toList(), PATIENCE);
    assertThat(early.history()).hasSize(end);
    assertThat(early.earlyStopped()).isEqualTo(end < EPOCHS);
  }

  @Test
  void aNegativePatienceNamesTheFlag() {
    assertThatThrownBy(() -> config(-1, 1)).hasMessage("--early-stopping must be >= 0 (0: none), got -1");
    assertThatThrownBy(() -> Trainer.builder().earlyStopping(-1))
        .hasMessage("Trainer.earlyStopping must be >= 0 (0: none), got -1");
  }
}
