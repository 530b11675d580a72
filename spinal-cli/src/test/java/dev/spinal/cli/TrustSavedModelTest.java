package dev.spinal.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spinal.datasets.io.NpzWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commands that load a SavedModel Spinal did not write refuse one whose graph writes a file (the crafted
 * {@code saved-models/untrusted/writes-file}), write nothing, and say how to accept it; {@code --trust-savedmodel}
 * accepts it; {@code inspect --audit} prints the audit.
 */
class TrustSavedModelTest {

  static final Path MODELS = Path.of("..", "saved-models").toAbsolutePath().normalize();
  static final Path WRITER = MODELS.resolve("untrusted/writes-file");
  /** The crafted model writes this relative path: under the test's working directory (the module). */
  static final Path PROBE = Path.of("target", "untrusted-savedmodel").toAbsolutePath();
  static final Path WRITTEN = PROBE.resolve("written-by-savedmodel.txt");

  @BeforeEach
  void noProbeFiles() throws Exception {
    if (Files.exists(PROBE)) {
      try (Stream<Path> s = Files.walk(PROBE)) {
        for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
  }

  /** 40 training and 10 test images, 28x28 gray, 2 classes, as a NumPy archive (quicker than a dataset). */
  static Path data(Path dir) throws Exception {
    Path npz = dir.resolve("tiny.npz");
    try (NpzWriter w = NpzWriter.create(npz)) {
      for (String split : new String[] {"train", "test"}) {
        int n = split.equals("train") ? 40 : 10;
        byte[] px = new byte[n * 784];
        long[] labels = new long[n];
        for (int i = 0; i < n; i++) {
          labels[i] = i % 2;
          java.util.Arrays.fill(px, i * 784, (i + 1) * 784, (byte) (i % 2 == 0 ? 40 : 200));
        }
        w.putUnsignedBytes("x_" + split, new long[] {n, 28, 28, 1}, px);
        w.putLongs("y_" + split, new long[] {n}, labels);
      }
    }
    return npz;
  }

  static String[] train(Path data, Path run, String... more) {
    String[] base = {"train", "--data", data.toString(), "--backbone", WRITER.toString(),
        "--width", "8", "--depth", "1", "--epochs", "1", "--batch", "10", "--no-progress", "--out", run.toString()};
    String[] all = java.util.Arrays.copyOf(base, base.length + more.length);
    System.arraycopy(more, 0, all, base.length, more.length);
    return all;
  }

  @Test
  void trainRefusesABackboneThatWritesAFileAndTrustAcceptsIt(@TempDir Path dir) throws Exception {
    Path run = dir.resolve("run");
    Path data = data(dir);
    CliTest.Run refused = CliTest.run(train(data, run));
    assertThat(refused.exit()).isEqualTo(1);
    assertThat(refused.err().strip().lines()).hasSize(1);
    assertThat(refused.err()).startsWith("spinal: error: refused to load the SavedModel in " + WRITER
        + ": it holds 2 ops that reach outside the model (WriteFile): WriteFile at node 'WriteFile' in function"
        + " '__inference_record_").contains("--trust-savedmodel", "spinal inspect --audit " + WRITER);
    assertThat(WRITTEN).doesNotExist();
    assertThat(run).as("a refused backbone leaves no run folder to resume").doesNotExist();

    CliTest.Run trusted = CliTest.run(train(data, run, "--trust-savedmodel"));
    assertThat(trusted.exit()).as(trusted.err()).isZero();
    assertThat(WRITTEN).as("the trusted backbone ran its WriteFile").exists();
    assertThat(Files.readString(run.resolve("config.json"))).contains("\"savedModelTrust\" : \"TRUSTED\"");
  }

  @Test
  void evalAndPredictRefuseItAndPassTheTrustOn(@TempDir Path dir) throws Exception {
    CliTest.Run eval = CliTest.run("eval", "--model", WRITER.toString(), "--dataset", "fashion-mnist",
        "--limit", "10");
    assertThat(eval.exit()).isEqualTo(1);
    assertThat(eval.err()).startsWith("spinal: error: refused to load the SavedModel in " + WRITER);
    CliTest.Run predict = CliTest.run("predict", "--model", WRITER.toString(), dir.resolve("x.png").toString());
    assertThat(predict.err()).startsWith("spinal: error: refused to load the SavedModel in " + WRITER);
    assertThat(WRITTEN).doesNotExist();
    // trusted, it loads; it is a backbone, not a classifier, which is the next thing said
    CliTest.Run trusted = CliTest.run("eval", "--model", WRITER.toString(), "--dataset", "fashion-mnist",
        "--limit", "10", "--trust-savedmodel");
    assertThat(trusted.err()).startsWith("spinal: error: " + WRITER + ": serving_default must take 'images' and"
        + " give 'classes'");
  }

  @Test
  void inspectAuditPrintsTheReportWithoutRunningAnything() {
    CliTest.Run r = CliTest.run("inspect", "--audit", WRITER.toString());
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out()).startsWith("SavedModel audit of " + WRITER + " (tag serve)\n"
        + "graph: 9 nodes; function library: 6 functions, ")
        .contains("refused: 2 nodes\n  WriteFile [file] writes a tensor to a file (creating its folders)\n    at node 'WriteFile' in"
            + " function '__inference_record_")
        .contains("accepted checkpoint ops (the saver_def's save/restore, which the loader runs, or in functions"
            + " nothing calls): 3 nodes")
        .contains("verdict: REFUSED (WriteFile)");
    assertThat(r.out().lines()).anyMatch(l -> l.matches("  WriteFile\\s+0\\s+2  REFUSED"))
        .anyMatch(l -> l.matches("  StatefulPartitionedCall\\s+3\\s+2"));
    assertThat(WRITTEN).doesNotExist();

    CliTest.Run ok = CliTest.run("inspect", "--audit", MODELS.resolve("mobilenetv2-32").toString());
    assertThat(ok.exit()).as(ok.err()).isZero();
    assertThat(ok.out()).contains("refused: none", "verdict: PASSED");
  }
}
