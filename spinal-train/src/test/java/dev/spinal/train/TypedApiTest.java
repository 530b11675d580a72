package dev.spinal.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.spinal.core.GraphContext;
import dev.spinal.core.backbones.FlattenBackbone;
import dev.spinal.core.heads.BuiltHead;
import dev.spinal.core.heads.Head;
import dev.spinal.core.layers.Dense;
import dev.spinal.core.layers.WeightInit;
import dev.spinal.core.model.Model;
import dev.spinal.datasets.Batch;
import dev.spinal.datasets.BatchStream;
import dev.spinal.datasets.DatasetSplits;
import dev.spinal.datasets.Normalization;
import dev.spinal.savedmodel.ExportedModel;
import dev.spinal.train.callbacks.Callback;
import dev.spinal.train.callbacks.Checkpointing;
import dev.spinal.train.callbacks.ExportBest;
import dev.spinal.train.callbacks.StopAfterEpochs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Operand;
import org.tensorflow.types.family.TFloating;

/**
 * The typed API with pieces written here, not the built-in ones: a user's own {@link Head} trained,
 * checkpointed, resumed and exported by {@link Trainer}, and a user's own {@link Callback} that sees
 * every event of the loop in order and can stop it.
 */
class TypedApiTest {

  @TempDir static Path dir;
  static DatasetSplits data;
  /** 2 epochs of {@link #model()} with {@link #trainer}, checkpointed in {@code dir/own-full}. */
  static TrainResult uninterrupted;

  /** {@code Dense(d -> hidden) -> relu -> Dense(hidden -> classes)}: the whole {@link Head} contract. */
  static final class TwoLayerHead implements Head {
    private final long inputSize;
    private final long hidden;
    private final int classes;

    TwoLayerHead(long inputSize, long hidden, int classes) {
      this.inputSize = inputSize;
      this.hidden = hidden;
      this.classes = classes;
    }

    @Override
    public long inputSize() {
      return inputSize;
    }

    @Override
    public int classes() {
      return classes;
    }

    @Override
    public <T extends TFloating> BuiltHead<T> build(GraphContext ctx, Operand<T> features) {
      GraphContext head = ctx.withSubScope("two_layer_head");
      Dense<T> first = Dense.create(head.withSubScope("hidden"), inputSize, hidden, WeightInit.HE_NORMAL,
          features.type());
      Dense<T> output = Dense.create(head.withSubScope("output"), hidden, classes, WeightInit.GLOROT_UNIFORM,
          features.type());
      Operand<T> h = head.tf().nn.relu(first.call(features));
      return new BuiltHead<>(output.call(h), List.of(first, output));
    }

    @Override
    public long parameterCount() {
      return inputSize * hidden + hidden + hidden * classes + classes;
    }
  }

  static Model model() {
    FlattenBackbone backbone = new FlattenBackbone(28, 28, 1);
    return Model.builder()
        .backbone(backbone)
        .head(new TwoLayerHead(backbone.featureSize(), 32, 10))
        .normalization(new float[] {0.2860f}, new float[] {0.3530f})
        .build();
  }

  static Trainer.Builder trainer(int epochs) {
    return Trainer.builder()
        .optimizer(Optimizer.adam(0.002))
        .schedule(new Schedule.Constant())
        .epochs(epochs)
        .batchSize(50)
        .seed(21);
  }

  @BeforeAll
  static void trainOnce() {
    data = Runs.loadData("fashion-mnist", null, 2000, 21);
    uninterrupted = trainer(2).callbacks(new Checkpointing(dir.resolve("own-full"), 3)).build().fit(model(), data);
  }

  @Test
  void ownHeadTrainsCheckpointsResumesAndExports() throws IOException {
    Model model = model();
    assertThat(model.head().name()).isEqualTo("TwoLayerHead");

    // uninterrupted: 2 epochs (trained once for the class)
    Path full = dir.resolve("own-full");
    assertThat(uninterrupted.history()).hasSize(2);
    assertThat(uninterrupted.stoppedEarly()).isFalse();
    assertThat(uninterrupted.testAccuracy()).as("a 2-layer MLP on 2000 images").isGreaterThan(0.70);

    // the same run stopped after epoch 1 ...
    Path run = dir.resolve("own-interrupted");
    TrainResult first = trainer(2).callbacks(new Checkpointing(run, 3), new StopAfterEpochs(1)).build()
        .fit(model, data);
    assertThat(first.stoppedEarly()).isTrue();
    assertThat(first.history()).hasSize(1);
    assertThat(first.exportDir()).isNull();
    Checkpointing checkpointing = new Checkpointing(run, 3);
    Path latest = checkpointing.checkpoints().latest().orElseThrow();
    assertThat(latest.getFileName().toString()).isEqualTo("epoch-0001");

    // ... and resumed by a fresh trainer from its latest checkpoint, exporting the best epoch
    Path base = dir.resolve("own-export");
    TrainResult resumed = trainer(2).callbacks(checkpointing, new ExportBest(checkpointing, base))
        .resumeFrom(latest).build().fit(model, data);
    assertThat(resumed.stoppedEarly()).isFalse();
    assertThat(resumed.history()).hasSize(2);
    assertThat(resumed.history().get(0)).isEqualTo(first.history().get(0));
    assertThat(resumed.history().get(1).step()).isEqualTo(uninterrupted.history().get(1).step());
    assertThat(resumed.history().get(1).trainLoss())
        .isCloseTo(uninterrupted.history().get(1).trainLoss(), within(1e-6));
    assertThat(resumed.testAccuracy()).isEqualTo(uninterrupted.testAccuracy());
    assertThat(resumed.bestEpoch()).isEqualTo(uninterrupted.bestEpoch());

    double[] a = weightsOf(model, full.resolve("checkpoints/epoch-0002"));
    double[] b = weightsOf(model, run.resolve("checkpoints/epoch-0002"));
    assertThat(a).hasSize(784 * 32 + 32 + 32 * 10 + 10);
    assertThat(a.length).isEqualTo(model.head().parameterCount());
    for (int i = 0; i < a.length; i++) {
      assertThat(b[i]).as("weight %d", i).isCloseTo(a[i], within(1e-5));
    }

    // the export: the user's head in a SavedModel, with the trainer's test accuracy exactly
    assertThat(resumed.exportDir()).isEqualTo(base.resolve("1"));
    long correct = 0;
    try (ExportedModel export = ExportedModel.load(base);
        BatchStream stream = BatchStream.builder(data.test()).batchSize(128).normalize(Normalization.UNIT)
            .dropLast(false).build()) {
      assertThat(export.imageShape().asArray()).containsExactly(28, 28, 1);
      assertThat(export.classNames()).isEqualTo(data.test().classNames());
      while (stream.hasNext()) {
        try (Batch batch = stream.next()) {
          long[] predicted = export.classify(batch.images());
          for (int i = 0; i < predicted.length; i++) {
            if (predicted[i] == data.test().label(batch.indices()[i])) {
              correct++;
            }
          }
        }
      }
    }
    assertThat((double) correct / data.test().size()).isEqualTo(resumed.testAccuracy());
  }

  /** The {@link RunState} saved beside a checkpoint's variables. */
  static RunState readState(Path checkpoint) {
    try {
      return Checkpoints.JSON_READER.readValue(checkpoint.resolve("state.json").toFile(), RunState.class);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static double[] weightsOf(Model model, Path checkpoint) {
    try (TrainingGraph g = TrainingGraph.build(model, Optimizer.adam(0.002), 21, Precision.FP32, null)) {
      Checkpoints.restore(g.session(), checkpoint);
      return g.trainableWeights();
    }
  }

  /** Records every event as a line, and optionally asks for a stop after a number of steps. */
  static final class Recorder implements Callback {
    final List<String> events = new ArrayList<>();
    final List<Long> steps = new ArrayList<>();
    final List<Integer> batchesPerEpoch = new ArrayList<>();
    final long stopAtStep;
    TrainResult result;
    int batchEnds;

    Recorder(long stopAtStep) {
      this.stopAtStep = stopAtStep;
    }

    @Override
    public void onTrainBegin(FitContext fit) {
      events.add("begin " + fit.state().epochsDone() + " " + fit.state().step());
    }

    @Override
    public void onEpochBegin(FitContext fit, int epoch, int batches) {
      events.add("epoch-begin " + epoch);
      batchesPerEpoch.add(batches);
    }

    @Override
    public void onBatchEnd(FitContext fit, BatchEnd batch) {
      batchEnds++;
      steps.add(batch.step());
      // the state the callback sees is the step just taken
      assertThat(fit.state().step()).isEqualTo(batch.step());
      assertThat(fit.state().batchesDone()).isEqualTo(batch.batch() + 1);
      assertThat(batch.size()).isEqualTo(fit.trainer().batchSize());
      if (batch.step() == stopAtStep) {
        fit.requestStop();
      }
    }

    @Override
    public void onEpochEnd(FitContext fit, EpochMetrics metrics, boolean improved) {
      events.add("epoch-end " + metrics.epoch() + " after " + batchEnds + " batches at step " + metrics.step());
      assertThat(fit.state().epochsDone()).isEqualTo(metrics.epoch());
    }

    @Override
    public void onInterrupted(FitContext fit) {
      events.add("interrupted at step " + fit.state().step());
    }

    @Override
    public void onTrainEnd(FitContext fit, TrainResult r) {
      events.add("end " + r.history().size() + (r.stoppedEarly() ? " stopped early" : ""));
      result = r;
    }

    @Override
    public void onTrainFailed(FitContext fit, RuntimeException error) {
      events.add("failed " + error);
    }
  }

  @Test
  void userCallbackSeesEveryEventInOrder() {
    Recorder recorder = new Recorder(-1);
    int trainImages = data.train().size();
    int perEpoch = trainImages / 50; // full batches only
    TrainResult result = trainer(2).callback(recorder).build().fit(model(), data);
    System.out.printf("own head: test accuracy %.4f (uninterrupted %.4f), epoch-2 train loss %.6f%n",
        result.testAccuracy(), uninterrupted.testAccuracy(), result.history().get(1).trainLoss());

    assertThat(recorder.events).containsExactly(
        "begin 0 0",
        "epoch-begin 0",
        "epoch-end 1 after " + perEpoch + " batches at step " + perEpoch,
        "epoch-begin 1",
        "epoch-end 2 after " + 2 * perEpoch + " batches at step " + 2 * perEpoch,
        "end 2");
    assertThat(recorder.batchesPerEpoch).containsExactly(perEpoch, perEpoch);
    assertThat(recorder.batchEnds).isEqualTo(2 * perEpoch);
    List<Long> expectedSteps = new ArrayList<>();
    for (long s = 1; s <= 2L * perEpoch; s++) {
      expectedSteps.add(s);
    }
    assertThat(recorder.steps).isEqualTo(expectedSteps);
    assertThat(recorder.result).isSameAs(result);
    assertThat(result.stoppedEarly()).isFalse();
    assertThat(result.history()).extracting(EpochMetrics::step).containsExactly((long) perEpoch, 2L * perEpoch);
  }

  @Test
  void userCallbackStopsTheRunMidEpochAndCheckpointingSavesWhereItStopped() throws IOException {
    Path run = dir.resolve("user-stop");
    Recorder recorder = new Recorder(7);
    Checkpointing checkpointing = new Checkpointing(run, 3);
    TrainResult result = trainer(2).callbacks(recorder, checkpointing).build().fit(model(), data);

    assertThat(result.stoppedEarly()).isTrue();
    assertThat(result.history()).isEmpty();
    assertThat(recorder.batchEnds).isEqualTo(7);
    assertThat(recorder.events).containsExactly(
        "begin 0 0", "epoch-begin 0", "interrupted at step 7", "end 0 stopped early");

    Path saved = run.resolve("checkpoints/epoch-0000");
    assertThat(checkpointing.checkpoints().latest()).contains(saved);
    assertThat(saved.resolve("variables.index")).exists();
    assertThat(run.resolve("checkpoints/best")).doesNotExist();
    RunState state = readState(saved);
    assertThat(state.epochsDone()).isZero();
    assertThat(state.batchesDone()).isEqualTo(7);
    assertThat(state.step()).isEqualTo(7);
    assertThat(state.history()).isEmpty();
    assertThat(state.progress().seen()).isEqualTo(7 * 50);
    assertThat(Files.list(run.resolve("checkpoints")).filter(p -> p.getFileName().toString().startsWith(".")))
        .as("no temporary folder left").isEmpty();

    // a fresh trainer resumes with the 8th batch and ends where the uninterrupted run ends
    Recorder again = new Recorder(-1);
    TrainResult resumed = trainer(2).callbacks(again).resumeFrom(saved).build().fit(model(), data);
    int perEpoch = data.train().size() / 50;
    assertThat(again.events.get(0)).isEqualTo("begin 0 7");
    assertThat(again.batchEnds).isEqualTo(2 * perEpoch - 7);
    assertThat(again.steps.get(0)).isEqualTo(8);
    assertThat(resumed.stoppedEarly()).isFalse();
    assertThat(resumed.history()).hasSize(2);
    for (int e = 0; e < 2; e++) {
      EpochMetrics a = resumed.history().get(e);
      EpochMetrics b = uninterrupted.history().get(e);
      assertThat(a.step()).isEqualTo(b.step());
      assertThat(a.trainLoss()).as("epoch %d train loss", e + 1).isCloseTo(b.trainLoss(), within(1e-6));
      assertThat(a.trainAccuracy()).as("epoch %d train accuracy", e + 1).isEqualTo(b.trainAccuracy());
      assertThat(a.validationAccuracy()).isEqualTo(b.validationAccuracy());
      assertThat(a.testAccuracy()).isEqualTo(b.testAccuracy());
    }
    assertThat(resumed.testAccuracy()).isEqualTo(uninterrupted.testAccuracy());
  }
}
