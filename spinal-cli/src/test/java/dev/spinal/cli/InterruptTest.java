package dev.spinal.cli;

import dev.spinal.train.Checkpoints;
import dev.spinal.train.RunState;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real `spinal train` process stopped by a signal (SIGTERM, which runs the same shutdown path as
 * Ctrl-C's SIGINT) finishes its step, writes a checkpoint and exits; `--resume` then completes the run.
 */
class InterruptTest {

  static Process spinal(Path log, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"),
        "dev.spinal.cli.SpinalCli"));
    command.addAll(List.of(args));
    return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  /** The {@code seconds} of metrics.jsonl's first line, once that line is written. */
  static double firstEpochSeconds(Path metrics, long deadline) throws Exception {
    while (System.nanoTime() < deadline) {
      List<String> lines = Files.readAllLines(metrics);
      if (!lines.isEmpty() && lines.get(0).endsWith("}")) {
        return new ObjectMapper().readTree(lines.get(0)).get("seconds").asDouble();
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no complete line in " + metrics);
  }

  @Test
  void signalFinishesTheStepCheckpointsAndResumeCompletesTheEpoch(@TempDir Path dir) throws Exception {
    Path run = dir.resolve("run");
    Path log = dir.resolve("log.txt");
    Process p = spinal(log, "train", "--dataset", "fashion-mnist", "--limit", "1500", "--backbone", "vgg5",
        "--width", "16", "--depth", "2", "--epochs", "2", "--batch", "32", "--no-progress", "--out", run.toString());
    // wait until the first epoch is done, then stop mid-way through a later one; the deadline only guards against a
    // hang (epoch 1 took over 120 s beside a training run and two other JVMs)
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(600);
    while (!Files.exists(run.resolve("metrics.jsonl")) && System.nanoTime() < deadline && p.isAlive()) {
      Thread.sleep(100);
    }
    assertThat(p.isAlive()).as("still training; log:%n%s", Files.readString(log)).isTrue();
    // a third of the way into epoch 2 however busy the machine is: epoch 1's own time says how long that is (a
    // fixed 1.5 s landed before epoch 2's first step on a machine running other jobs)
    double epochSeconds = firstEpochSeconds(run.resolve("metrics.jsonl"), deadline);
    Thread.sleep(Math.max(1500, (long) (epochSeconds * 1000 / 3)));
    assertThat(p.isAlive()).as("epoch 2 still running; log:%n%s", Files.readString(log)).isTrue();
    p.destroy(); // SIGTERM
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String output = Files.readString(log);
    assertThat(output).contains("checkpoint saved. Continue with --resume");
    List<Path> checkpoints = new Checkpoints(run, 3).epochCheckpoints();
    assertThat(checkpoints).isNotEmpty();
    RunState state = Checkpoints.JSON_READER.readValue(
        checkpoints.get(checkpoints.size() - 1).resolve("state.json").toFile(), RunState.class);
    assertThat(state.batchesDone()).as("stopped mid-epoch").isPositive();
    assertThat(state.epochsDone()).isEqualTo(1);
    assertThat(dir.resolve("run/checkpoints").toFile().list()).noneMatch(name -> name.startsWith(".tmp"));

    Process resumed = spinal(dir.resolve("resume.txt"), "train", "--resume", run.toString(), "--no-progress");
    assertThat(resumed.waitFor(300, TimeUnit.SECONDS)).isTrue();
    assertThat(resumed.exitValue()).as(Files.readString(dir.resolve("resume.txt"))).isZero();
    assertThat(Files.readAllLines(run.resolve("metrics.jsonl"))).hasSize(2);
  }
}
