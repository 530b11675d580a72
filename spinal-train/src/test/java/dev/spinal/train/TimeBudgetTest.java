package dev.spinal.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spinal.core.model.Model;
import dev.spinal.datasets.DatasetSplits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sizing a run to a wall-clock budget: the plan's arithmetic, its errors, and a planned run's files. */
class TimeBudgetTest {

  @Test
  void durationsReadAndPrintAsTheFlagWritesThem() {
    assertThat(TimeBudget.parse("90s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(TimeBudget.parse("15m")).isEqualTo(Duration.ofMinutes(15));
    assertThat(TimeBudget.parse(" 1H30M ")).isEqualTo(Duration.ofMinutes(90));
    assertThat(TimeBudget.format(Duration.ofMinutes(90))).isEqualTo("1h30m");
    assertThat(TimeBudget.format(Duration.ofSeconds(3725))).isEqualTo("1h2m5s");
    for (String bad : List.of("", "15", "m", "1.5h", "30m1h", "15 minutes")) {
      assertThatThrownBy(() -> TimeBudget.parse(bad)).as(bad)
          .hasMessage("cannot read the duration '" + bad + "'; expected e.g. 90s, 15m, 1h or 1h30m");
    }
    assertThatThrownBy(() -> TimeBudget.parse("0m")).hasMessage("a time budget must be positive, got '0m'");
  }

  /** The plan is the most steps whose time, with an evaluation per begun epoch and the setup, fits in the budget. */
  @Test
  void thePlanFillsTheBudgetAndNotOneStepMore() {
    DatasetSplits data = Runs.loadData("fashion-mnist", null, 1000, 3);
    Trainer trainer = Trainer.builder().optimizer(Optimizer.adam(0.001)).batchSize(50).seed(3).build();
    long evaluated = data.validation().size() + data.test().size();
    Duration budget = Duration.ofSeconds(40);
    TimeBudget.Plan plan = TimeBudget.plan(budget, TestModels.pixelsProgressive(), trainer, data.train(), evaluated);

    assertThat(plan.batchesPerEpoch()).isEqualTo(900 / 50);
    assertThat(plan.secondsPerStep()).isPositive();
    assertThat(plan.secondsPerEvaluation()).isPositive();
    assertThat(plan.steps()).isPositive();
    assertThat(plan.epochs()).isEqualTo((int) Math.ceil((double) plan.steps() / plan.batchesPerEpoch()));
    double available = 40 * (1 - TimeBudget.MARGIN_PERCENT / 100.0);
    assertThat(plan.plannedSeconds()).isLessThanOrEqualTo(available + 1e-9);
    long more = plan.steps() + 1;
    int moreEpochs = (int) Math.ceil((double) more / plan.batchesPerEpoch());
    double withOneMore = plan.setupSeconds() + more * plan.secondsPerStep() + moreEpochs * plan.secondsPerEvaluation();
    assertThat(withOneMore).as("one more step does not fit").isGreaterThan(available);
    assertThat(plan.describe()).startsWith("time budget 40s: ").contains(plan.steps() + " steps");
  }

  /** Evaluating every third epoch, the plan counts only the evaluations the run will make: the last and every third. */
  @Test
  void evaluatingLessOftenThePlanCountsOnlyTheEvaluationsMade() {
    DatasetSplits data = Runs.loadData("fashion-mnist", null, 1000, 3);
    Trainer trainer = Trainer.builder().optimizer(Optimizer.adam(0.001)).batchSize(50).seed(3).evaluateEvery(3)
        .build();
    long evaluated = data.validation().size() + data.test().size();
    TimeBudget.Plan plan = TimeBudget.plan(Duration.ofSeconds(40), TestModels.pixelsProgressive(), trainer,
        data.train(), evaluated);

    assertThat(plan.evaluations()).isEqualTo((plan.epochs() + 2) / 3);
    double available = 40 * (1 - TimeBudget.MARGIN_PERCENT / 100.0);
    assertThat(plan.plannedSeconds()).isCloseTo(plan.setupSeconds() + plan.steps() * plan.secondsPerStep()
        + plan.evaluations() * plan.secondsPerEvaluation(), within(1e-9)).isLessThanOrEqualTo(available + 1e-9);
    long more = plan.steps() + 1;
    int moreEvaluations = ((int) Math.ceil((double) more / plan.batchesPerEpoch()) + 2) / 3;
    assertThat(plan.setupSeconds() + more * plan.secondsPerStep() + moreEvaluations * plan.secondsPerEvaluation())
        .as("one more step does not fit").isGreaterThan(available);
    assertThat(plan.describe()).contains(plan.evaluations() + " evaluated");
  }

  /** A few seconds of steps are not the next hour's speed: the steps are timed for 1 % of the budget at least. */
  @Test
  void theStepsAreTimedForAHundredthOfTheBudgetOverAsManyEpochsAsThatTakes() {
    DatasetSplits data = Runs.loadData("fashion-mnist", null, 300, 3);
    Trainer trainer = Trainer.builder().optimizer(Optimizer.adam(0.001)).batchSize(50).seed(3).build();
    TimeBudget.Plan plan = TimeBudget.plan(Duration.ofMinutes(5), TestModels.pixelsProgressive(), trainer,
        data.train(), 0);

    // 270 training images are 5 batches an epoch, far fewer than 3 seconds of this model's steps
    assertThat(plan.batchesPerEpoch()).isEqualTo(5);
    assertThat(plan.setupSeconds()).isGreaterThanOrEqualTo(300 * TimeBudget.TIMING_PERCENT / 100);
    assertThat(plan.steps()).isPositive();
  }

  @Test
  void aBudgetTooShortOrAFrozenBackboneIsRefused() {
    DatasetSplits data = Runs.loadData("fashion-mnist", null, 300, 3);
    Trainer trainer = Trainer.builder().batchSize(50).build();
    assertThatThrownBy(() -> TimeBudget.plan(Duration.ofMillis(1), TestModels.pixelsProgressive(), trainer,
        data.train(), 100))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("a time budget of 0s is too short on this machine: one training step takes ");
    Model frozen = TestModels.frozenPixelsDense();
    assertThatThrownBy(() -> TimeBudget.plan(Duration.ofMinutes(1), frozen, trainer, data.train(), 100))
        .hasMessageStartingWith("a time budget plans runs that train their backbone, but frozen pixels is frozen");
  }

  /** A planned run keeps the plan as its own settings: config.json, time-budget.json and the steps it trained agree. */
  @Test
  void aPlannedRunRecordsAndTrainsThePlan(@TempDir Path dir) throws Exception {
    // all of Fashion-MNIST on a small head: epochs of about a second, so that the plan holds a few of them
    TrainConfig config = TrainConfig.builder().dataset("fashion-mnist").backbone("flatten").width(16)
        .depth(2).batchSize(50).epochs(1).schedule("cosine").seed(3).build();
    Path run = dir.resolve("run");
    TrainResult result = Runs.start(config, Runs.Options.of(run).withProgress(false)
        .withTimeBudget(Duration.ofSeconds(12)));

    JsonNode plan = Checkpoints.JSON.readTree(run.resolve(Runs.TIME_BUDGET_FILE).toFile());
    TrainConfig saved = Runs.readConfig(run).orElseThrow();
    assertThat(plan.path("budget").asText()).isEqualTo("12s");
    assertThat(saved.maxSteps()).isEqualTo(plan.path("steps").asLong()).isPositive();
    assertThat(saved.epochs()).isEqualTo(plan.path("epochs").asInt());
    assertThat(saved.toBuilder().epochs(1).maxSteps(0).build()).as("nothing else changed").isEqualTo(config);
    assertThat(result.history()).hasSize(saved.epochs());
    assertThat(result.history().get(saved.epochs() - 1).step()).isEqualTo(saved.maxSteps());
    assertThat(plan.path("planned_seconds").asDouble()).isCloseTo(plan.path("setup_seconds").asDouble()
        + saved.maxSteps() * plan.path("seconds_per_step").asDouble()
        + saved.epochs() * plan.path("seconds_per_evaluation").asDouble(), within(1e-6));
    assertThat(plan.path("evaluations").asInt()).as("every epoch evaluated").isEqualTo(saved.epochs());
    assertThat(Files.readString(run.resolve("config.json"))).contains("\"maxSteps\" : " + saved.maxSteps());
  }
}
