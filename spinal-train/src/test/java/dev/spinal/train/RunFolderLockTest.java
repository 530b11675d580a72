package dev.spinal.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spinal.core.heads.HeadKind;
import dev.spinal.train.ablation.Ablation;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One process at a time in a run folder: a second one (another JVM, or a second fit in this one) is refused before
 * it writes anything, with a message naming the holder; a killed holder leaves no stale lock.
 */
class RunFolderLockTest {

  /** Holds the lock on {@code args[0]} until killed, after printing "locked". */
  public static final class Holder {
    public static void main(String[] args) throws Exception {
      RunFolderLock.acquire(Path.of(args[0]), "training");
      System.out.println("locked");
      System.out.flush();
      Thread.sleep(TimeUnit.MINUTES.toMillis(5));
    }
  }

  static TrainConfig small() {
    return TrainConfig.builder().dataset("fashion-mnist").limit(300).backbone("flatten").head(HeadKind.DENSE)
        .width(8).depth(1).batchSize(50).epochs(1).seed(5).build();
  }

  @Test
  void anotherProcessTrainingInTheFolderIsNamedAndNothingIsWrittenUntilItIsKilled(@TempDir Path dir)
      throws Exception {
    Path run = dir.resolve("run");
    String java = ProcessHandle.current().info().command().orElse(
        Path.of(System.getProperty("java.home"), "bin", "java").toString());
    Process holder = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Holder.class.getName(),
        run.toString()).redirectErrorStream(true).start();
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
      assertThat(out.readLine()).isEqualTo("locked");

      assertThatThrownBy(() -> Runs.start(small(), Runs.Options.of(run).withProgress(false)))
          .isInstanceOf(RunFolderLock.RunFolderBusyException.class)
          .hasMessageStartingWith(run + " is in use by another process (pid " + holder.pid() + ", training, since ")
          .hasMessageEndingWith("): wait for it to end, or stop it, then try again; or use another folder");
      assertThat(run.resolve("config.json")).as("nothing written").doesNotExist();
    } finally {
      holder.destroyForcibly().waitFor();
    }
    // killed (as by kill -9): the operating system released its lock
    TrainResult result = Runs.start(small(), Runs.Options.of(run).withProgress(false));
    assertThat(result.history()).hasSize(1);
    assertThat(Files.readString(run.resolve(RunFolderLock.FILE)))
        .startsWith("pid " + ProcessHandle.current().pid() + ", training, since ");
  }

  @Test
  void aSecondFitInThisProcessIsRefusedTooAndTheLockIsFreeAfterTheFirst(@TempDir Path dir) {
    Path run = dir.resolve("run");
    try (RunFolderLock held = RunFolderLock.acquire(run, "training")) {
      assertThat(held.folder()).isEqualTo(run);
      assertThatThrownBy(() -> RunFolderLock.acquire(run, "training"))
          .hasMessageStartingWith(run + " is in use by another process (pid " + ProcessHandle.current().pid());
    }
    Runs.start(small(), Runs.Options.of(run).withProgress(false));
    // the run released it: a resume takes it again (and finds the run finished after its one epoch)
    assertThat(Runs.resume(Runs.Options.of(run).withProgress(false)).history()).hasSize(1);
  }

  @Test
  void aSecondAblationInTheFolderIsRefusedBeforeItTrains(@TempDir Path dir) {
    Path out = dir.resolve("ablation");
    Ablation ablation = Ablation.builder(small()).heads(HeadKind.DENSE).seeds(1).out(out).build();
    try (RunFolderLock other = RunFolderLock.acquire(out, "an ablation")) {
      assertThatThrownBy(ablation::run).isInstanceOf(RunFolderLock.RunFolderBusyException.class)
          .hasMessageContaining("an ablation, since");
    }
    assertThat(out.resolve("runs")).doesNotExist();
  }
}
