package dev.spinal.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.spinal.core.heads.HeadKind;
import dev.spinal.core.model.Model;
import dev.spinal.datasets.DatasetSplits;
import dev.spinal.savedmodel.TemporaryFolders;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --resume} on a run whose newest checkpoint is damaged: its weights file truncated, its index missing, its
 * {@code state.json} cut or inconsistent. The damage is named, the run continues from the previous checkpoint (or
 * {@code best/}, all {@code --keep-checkpoints 1} leaves) and ends as the undamaged run does; when no checkpoint is
 * usable it fails naming each, trains nothing and overwrites nothing. Never does it silently start over.
 */
class DamagedCheckpointsTest {

  @TempDir static Path dir;
  /** A run of 3 epochs stopped after 2: checkpoints epoch-0001, epoch-0002 and best. */
  static Path stopped;
  static TrainResult first;
  static DatasetSplits data;

  static TrainConfig config() {
    return TrainConfig.builder()
        .dataset("fashion-mnist").limit(1000).backbone("flatten")
        .head(HeadKind.PROGRESSIVE).width(8).depth(2).dropout(0.2)
        .optimizer(OptimizerKind.ADAM).learningRate(0.003).momentum(0)
        .batchSize(50).epochs(3).seed(7).keepCheckpoints(3)
        .build();
  }

  static Runs.Options options(Path run) {
    return Runs.Options.of(run).withProgress(false);
  }

  @BeforeAll
  static void twoOfThreeEpochs() {
    stopped = dir.resolve("stopped");
    first = Runs.start(config(), options(stopped).stoppingAfter(2));
    assertThat(first.history()).hasSize(2);
  }

  /** A copy of the stopped run to damage. */
  static Path copy(String name) {
    Path to = dir.resolve(name);
    try (Stream<Path> s = Files.walk(stopped)) {
      for (Path p : s.toList()) {
        Path q = to.resolve(stopped.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(q);
        } else {
          Files.copy(p, q);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return to;
  }

  static Path data(Path checkpoint) {
    return checkpoint.resolve("variables.data-00000-of-00001");
  }

  static void truncate(Path file, double keep) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.setLength((long) (f.length() * keep));
    }
  }

  /** What {@link Checkpoints#restoreNewest} does with the run's checkpoints, on a fresh graph of the model. */
  static Checkpoints.Restored restoreNewest(Path run) {
    if (data == null) {
      data = Runs.loadData(config());
    }
    Model model = Runs.model(config(), data.train());
    try (TrainingGraph g = TrainingGraph.build(model, Runs.trainer(config()).build().optimizer(), config().seed(),
        Precision.FP32, null)) {
      return new Checkpoints(run, 3).restoreNewest(g.session());
    }
  }

  @Test
  void aTruncatedWeightsFileIsNamedAndTheRunContinuesFromThePreviousCheckpoint() throws IOException {
    Path run = copy("truncated");
    Path epoch2 = run.resolve("checkpoints/epoch-0002");
    truncate(data(epoch2), 0.5);

    Checkpoints.Restored r = restoreNewest(run);
    assertThat(r.checkpoint()).isEqualTo(run.resolve("checkpoints/epoch-0001"));
    assertThat(r.state().epochsDone()).isEqualTo(1);
    assertThat(r.passedOver()).singleElement().satisfies(d -> {
      assertThat(d.checkpoint()).isEqualTo(epoch2);
      assertThat(d.problem().file()).contains(data(epoch2));
      assertThat(d.problem().getMessage()).startsWith(data(epoch2) + ": cannot be restored (truncated or corrupt): ");
    });

    TrainResult resumed = Runs.resume(options(run));
    // epoch 2 trained again from epoch 1's checkpoint, as it was the first time (data order and dropout are
    // functions of seed, epoch and step): a resume, not a fresh start; then epoch 3
    assertThat(resumed.history()).hasSize(3);
    assertThat(resumed.history().get(0)).as("epoch 1 restored, its timing included, not trained again")
        .isEqualTo(first.history().get(0));
    assertThat(resumed.history().get(1).trainLoss()).isCloseTo(first.history().get(1).trainLoss(), within(1e-6));
    assertThat(resumed.history().get(1).seconds()).as("epoch 2 trained again").isNotEqualTo(
        first.history().get(1).seconds());
    assertThat(Files.readAllLines(run.resolve("metrics.jsonl"))).as("epoch 2 listed once").hasSize(3);
    assertThat(Checkpoints.check(epoch2).epochsDone()).as("the damaged checkpoint was written again").isEqualTo(2);
    assertThat(restoreNewest(run).passedOver()).isEmpty();
  }

  @Test
  void aMissingIndexOrADamagedStateJsonIsNamedAndPassedOver() throws IOException {
    Path run = copy("index");
    Path epoch2 = run.resolve("checkpoints/epoch-0002");
    Files.delete(epoch2.resolve("variables.index"));
    assertThatThrownBy(() -> Checkpoints.check(epoch2)).isInstanceOf(CheckpointException.class)
        .hasMessage(epoch2.resolve("variables.index") + ": missing: the variables cannot be read without it");
    assertThat(restoreNewest(run).checkpoint()).isEqualTo(run.resolve("checkpoints/epoch-0001"));

    Path cut = copy("state-cut");
    Path state = cut.resolve("checkpoints/epoch-0002/state.json");
    truncate(state, 0.6);
    assertThatThrownBy(() -> Checkpoints.check(state.getParent())).isInstanceOf(CheckpointException.class)
        .hasMessageStartingWith(state + ": not a readable run state (");
    Checkpoints.Restored r = restoreNewest(cut);
    assertThat(r.checkpoint()).isEqualTo(cut.resolve("checkpoints/epoch-0001"));
    assertThat(r.passedOver()).singleElement().satisfies(d -> assertThat(d.problem().file()).contains(state));

    // still JSON, but not what the trainer wrote: a flipped digit in epochsDone
    Path edited = copy("state-edited");
    Path editedState = edited.resolve("checkpoints/epoch-0002/state.json");
    Files.writeString(editedState, Files.readString(editedState).replace("\"epochsDone\" : 2", "\"epochsDone\" : 3"));
    assertThatThrownBy(() -> Checkpoints.check(editedState.getParent())).isInstanceOf(CheckpointException.class)
        .hasMessage(editedState + ": not a consistent run state: epochsDone is 3 but the history holds 2 epochs");
  }

  @Test
  void withOneCheckpointKeptBestIsTheFallback() throws IOException {
    // --keep-checkpoints 1 keeps epoch-0002 and best/ only
    Path run = copy("keep-one");
    TemporaryFolders.deleteTree(run.resolve("checkpoints/epoch-0001"));
    truncate(data(run.resolve("checkpoints/epoch-0002")), 0.3);
    Checkpoints.Restored r = restoreNewest(run);
    assertThat(r.checkpoint()).isEqualTo(run.resolve("checkpoints/best"));
    assertThat(r.state().epochsDone()).isEqualTo(stoppedBest());
  }

  static int stoppedBest() {
    return Checkpoints.check(stopped.resolve("checkpoints/best")).epochsDone();
  }

  @Test
  void whenNoCheckpointIsUsableTheResumeFailsNamingEachAndChangesNothing() throws IOException {
    Path run = copy("none");
    Path checkpoints = run.resolve("checkpoints");
    Files.delete(checkpoints.resolve("epoch-0001/variables.index"));
    Files.writeString(checkpoints.resolve("epoch-0002/state.json"), "{\"epochsDone\": ");
    Files.delete(data(checkpoints.resolve("best")));
    List<String> before = listing(run);
    byte[] metrics = Files.readAllBytes(run.resolve("metrics.jsonl"));

    assertThatThrownBy(() -> Runs.resume(options(run))).isInstanceOf(CheckpointException.class)
        .hasMessageStartingWith(checkpoints + ": no usable checkpoint to resume from, every one is damaged: "
            + checkpoints.resolve("epoch-0002/state.json") + ": not a readable run state (")
        .hasMessageContaining("; " + checkpoints.resolve("epoch-0001/variables.index") + ": missing")
        .hasMessageContaining("; " + data(checkpoints.resolve("best")) + ": missing")
        .hasMessageEndingWith("The run cannot continue: start it again in a new folder, or put back the checkpoints"
            + " from a copy");
    assertThat(listing(run)).as("nothing written").isEqualTo(before);
    assertThat(run.resolve("metrics.jsonl")).hasBinaryContent(metrics);
  }

  @Test
  void aTemporaryLeftByAStoppedSaveIsRemovedAndAnInterruptedReplacementPutBack() throws Exception {
    Path run = copy("interrupted-save");
    Path checkpoints = run.resolve("checkpoints");
    long gone = deadPid();
    // stopped while writing: half a checkpoint in a temporary folder
    Path half = Files.createDirectories(checkpoints.resolve(".tmp-" + gone + "-123"));
    Files.copy(checkpoints.resolve("epoch-0002/variables.index"), half.resolve("variables.index"));
    // stopped between the two renames of a replacement: epoch-0002 moved aside, its successor not yet in place
    Path aside = Files.createDirectories(checkpoints.resolve(".old-" + gone + "-456"));
    Files.move(checkpoints.resolve("epoch-0002"), aside.resolve("epoch-0002"));
    // a live process's temporary (this one's) is left alone
    Path live = Files.createDirectories(checkpoints.resolve(".tmp-" + ProcessHandle.current().pid() + "-789"));

    List<String> done = new Checkpoints(run, 3).cleanUp();
    assertThat(done).containsExactlyInAnyOrder(
        "put back " + checkpoints.resolve("epoch-0002") + ", whose replacement was interrupted",
        "removed " + half + ", left by an interrupted save");
    assertThat(half).doesNotExist();
    assertThat(aside).doesNotExist();
    assertThat(live).exists();
    assertThat(Checkpoints.check(checkpoints.resolve("epoch-0002")).epochsDone()).isEqualTo(2);
  }

  @Test
  void aRunStoppedBeforeItsFirstCheckpointStartsFromEpochOne() throws IOException {
    // as Ctrl-C leaves a run stopped while a frozen backbone's features were being computed
    Path run = Files.createDirectories(dir.resolve("no-checkpoint"));
    Files.copy(stopped.resolve("config.json"), run.resolve("config.json"));
    TrainResult r = Runs.resume(options(run).stoppingAfter(1));
    assertThat(r.history()).hasSize(1);
    assertThat(r.history().get(0).trainLoss()).isCloseTo(first.history().get(0).trainLoss(), within(1e-6));

    // but not when epochs were trained and their checkpoints are gone: that would silently start over
    Path emptied = copy("checkpoints-removed");
    TemporaryFolders.deleteTree(emptied.resolve("checkpoints"));
    assertThatThrownBy(() -> Runs.resume(options(emptied))).isInstanceOf(CheckpointException.class)
        .hasMessage(emptied.resolve("checkpoints") + ": no checkpoint to resume from, but metrics.jsonl lists 2"
            + " trained epochs: the checkpoints were removed; start the run again in a new folder");
  }

  /** The id of a process that has ended. */
  static long deadPid() throws Exception {
    Process p = new ProcessBuilder("true").start();
    p.waitFor();
    return p.pid();
  }

  static List<String> listing(Path root) throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      return s.map(p -> root.relativize(p) + (Files.isDirectory(p) ? "/" : " " + size(p))).sorted().toList();
    }
  }

  static long size(Path p) {
    try {
      return Files.size(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
