package dev.spinal.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.spinal.datasets.DatasetSplits;
import dev.spinal.train.callbacks.Checkpointing;
import dev.spinal.train.callbacks.StopAfterEpochs;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run with a step budget ({@link Trainer.Builder#maxSteps}) and the cosine schedule that decays over
 * it: the last epoch is cut short where the budget ends and still validated, tested and checkpointed;
 * the learning rate follows the cosine step by step; a run resumed between epochs ends where the
 * uninterrupted one does.
 */
class StepBudgetTest {

  static final double LR = 0.002;
  @TempDir static Path dir;
  static DatasetSplits data;
  static int perEpoch;
  static long budget;

  @BeforeAll
  static void load() {
    data = Runs.loadData("fashion-mnist", null, 2000, 21);
    perEpoch = data.train().size() / 50;
    budget = perEpoch + perEpoch / 2; // one and a half epochs
  }

  static Trainer.Builder trainer() {
    return TypedApiTest.trainer(3).optimizer(Optimizer.adam(LR)).schedule(new Schedule.Cosine()).maxSteps(budget);
  }

  @Test
  void cosineStartsAtTheBaseRateHalvesMidwayAndEndsNearZero() {
    Schedule cosine = Schedule.parse("cosine");
    assertThat(cosine).isEqualTo(new Schedule.Cosine());
    assertThat(cosine.describe()).isEqualTo("cosine");
    assertThat(cosine.atStep(0, 1000, 0.01, 0.01)).isEqualTo(0.01);
    assertThat(cosine.atStep(500, 1000, 0.01, 0.01)).isCloseTo(0.005, within(1e-12));
    assertThat(cosine.atStep(250, 1000, 0.01, 0.01)).isCloseTo(0.01 * (1 + Math.sqrt(0.5)) / 2, within(1e-12));
    assertThat(cosine.atStep(1000, 1000, 0.01, 0.01)).as("floored at base / 1000").isEqualTo(1e-5);
    double previous = Double.MAX_VALUE;
    for (long step = 0; step <= 1000; step += 10) {
      double lr = cosine.atStep(step, 1000, 0.01, 0.01);
      assertThat(lr).as("step %d", step).isLessThanOrEqualTo(previous).isPositive();
      previous = lr;
    }
    assertThat(new Schedule.StepLr(2, 0.5).atStep(123, 1000, 0.01, 0.0025)).as("epoch schedules keep the epoch's rate")
        .isEqualTo(0.0025);
    assertThatThrownBy(() -> Schedule.parse("cosine:5")).hasMessage("cosine's floor must be in (0, 1) (a share of --lr),"
        + " got 5.0");
    Schedule floored = Schedule.parse("cosine:0.1");
    assertThat(floored.describe()).isEqualTo("cosine:0.1");
    assertThat(floored.atStep(250, 1000, 0.01, 0.01)).as("above the floor: the cosine")
        .isEqualTo(cosine.atStep(250, 1000, 0.01, 0.01));
    // (1 + cos(pi p)) / 2 = 0.1 at p = 0.795: from there on the rate stays at a tenth of the base rate
    assertThat(floored.atStep(790, 1000, 0.01, 0.01)).isGreaterThan(0.001);
    assertThat(floored.atStep(800, 1000, 0.01, 0.01)).isEqualTo(0.001);
    assertThat(floored.atStep(1000, 1000, 0.01, 0.01)).isEqualTo(0.001);
  }

  /** Rates read from PyTorch 2.15's {@code OneCycleLR} (cycle_momentum=False) stepped through the same runs. */
  @Test
  void oneCycleGivesPyTorchsRatesStepByStep() {
    Schedule byDefault = Schedule.parse("one-cycle");
    assertThat(byDefault).isEqualTo(new Schedule.OneCycle(0.3));
    assertThat(byDefault.describe()).isEqualTo("one-cycle");
    // max_lr 0.01, total_steps 100, pct_start 0.3
    double[][] torch = {{0, 0.0003999999999999993}, {1, 0.00042813780565907275}, {15, 0.005459866761210004},
        {29, 0.01}, {30, 0.009994965352845242}, {50, 0.00793893450575732}, {98, 5.07464715475788e-06}, {99, 4e-08}};
    for (double[] row : torch) {
      assertThat(byDefault.atStep((long) row[0], 100, 0.01, 0.01)).as("step %d", (long) row[0])
          .isCloseTo(row[1], within(1e-12));
    }
    Schedule shortWarmup = Schedule.parse("one-cycle:0.1");
    assertThat(shortWarmup.describe()).isEqualTo("one-cycle:0.1");
    // max_lr 0.002, total_steps 1000, pct_start 0.1
    double[][] torchShort = {{0, 7.999999999999999e-05}, {50, 0.0010552313252814157}, {99, 0.002},
        {100, 0.0019999939076821597}, {500, 0.0011702128183280357}, {999, 8e-09}};
    for (double[] row : torchShort) {
      assertThat(shortWarmup.atStep((long) row[0], 1000, 0.002, 0.002)).as("step %d", (long) row[0])
          .isCloseTo(row[1], within(1e-12));
    }
    assertThat(shortWarmup.atStep(1500, 1000, 0.002, 0.002)).as("past the planned steps: the floor").isCloseTo(8e-09,
        within(1e-18));
    assertThatThrownBy(() -> Schedule.parse("one-cycle:1.5"))
        .hasMessageContaining("warm-up fraction must be in (0, 1)");
  }

  @Test
  void theBudgetEndsTheRunWithinAnEpochAndTheRateFollowsTheCosine() {
    TypedApiTest.Recorder recorder = new TypedApiTest.Recorder(-1);
    TrainResult result = trainer().callback(recorder).build().fit(TypedApiTest.model(), data);

    assertThat(result.stoppedEarly()).as("a spent budget is the planned end, not a stop").isFalse();
    assertThat(result.history()).extracting(EpochMetrics::step).containsExactly((long) perEpoch, budget);
    assertThat(recorder.batchesPerEpoch).containsExactly(perEpoch, perEpoch / 2);
    assertThat(recorder.batchEnds).isEqualTo((int) budget);
    EpochMetrics last = result.history().get(1);
    assertThat(last.testAccuracy()).as("the cut epoch is still tested").isGreaterThan(0.5);
    // the rate of each epoch's last step
    assertThat(result.history().get(0).learningRate())
        .isCloseTo(new Schedule.Cosine().atStep(perEpoch - 1, budget, LR, LR), within(1e-9));
    assertThat(last.learningRate()).isCloseTo(new Schedule.Cosine().atStep(budget - 1, budget, LR, LR), within(1e-9))
        .isLessThan(LR / 100);
  }

  @Test
  void aRunResumedBetweenEpochsEndsWhereTheUninterruptedOneDoes() {
    TrainResult whole = trainer().build().fit(TypedApiTest.model(), data);

    Path run = dir.resolve("budget-resumed");
    Checkpointing checkpointing = new Checkpointing(run, 3);
    TrainResult first = trainer().callbacks(checkpointing, new StopAfterEpochs(1)).build()
        .fit(TypedApiTest.model(), data);
    assertThat(first.stoppedEarly()).isTrue();
    TrainResult resumed = trainer().callbacks(checkpointing)
        .resumeFrom(checkpointing.checkpoints().latest().orElseThrow()).build().fit(TypedApiTest.model(), data);

    assertThat(resumed.history()).extracting(EpochMetrics::step).containsExactly((long) perEpoch, budget);
    assertThat(resumed.history().get(1).trainLoss()).isCloseTo(whole.history().get(1).trainLoss(), within(1e-6));
    assertThat(resumed.history().get(1).learningRate()).isEqualTo(whole.history().get(1).learningRate());
    assertThat(resumed.testAccuracy()).isEqualTo(whole.testAccuracy());
  }

  @Test
  void aNegativeBudgetIsRefusedWithTheSettingNamed() {
    assertThatThrownBy(() -> Trainer.builder().maxSteps(-1)).hasMessageContaining("maxSteps");
    assertThatThrownBy(() -> TrainConfig.builder().dataset("mnist").maxSteps(-5).build())
        .hasMessageContaining("--max-steps");
  }
}
