package dev.spinal.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/onednn.sh}, which {@code ./spinal}, {@code ./run-main} and {@code ./run-tests} source to choose
 * TensorFlow's oneDNN setting: the measurement (stubbed here: the real one takes two minutes of both cores) runs
 * once per machine, also when several commands start at once; the others wait for it and read its result.
 */
class OneDnnChoiceTest {

  static final Path SCRIPT = Path.of("..", "bin", "onednn.sh").toAbsolutePath().normalize();

  /**
   * A shell that sources the script with a measurement that takes a second, counts its runs in {@code runs.txt} and
   * writes the cache file as the real one does; then prints the training choice.
   */
  static String shell(Path dir) {
    return ". " + SCRIPT + "\n"
        + "spinal_onednn_measure() {\n"
        + "  echo measured >> " + dir.resolve("runs.txt") + "\n"
        + "  sleep 1\n"
        + "  mkdir -p \"$(dirname \"$2\")\"\n"
        + "  printf 'ONEDNN_TRAIN=1\\nONEDNN_TRAIN_REASON=\"stub\"\\nONEDNN_INFER=0\\nONEDNN_INFER_REASON=\"stub\"\\n'"
        + " > \"$2.tmp\" && mv \"$2.tmp\" \"$2\"\n"
        + "}\n"
        + "spinal_onednn train\n"
        + "echo \"TF_ENABLE_ONEDNN_OPTS=$TF_ENABLE_ONEDNN_OPTS ($SPINAL_ONEDNN_REASON)\"\n";
  }

  @Test
  void threeCommandsStartedTogetherMeasureOnceAndAllReadTheChoice(@TempDir Path dir) throws Exception {
    List<Process> started = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      ProcessBuilder pb = new ProcessBuilder("/bin/bash", "-c", shell(dir));
      pb.environment().remove("TF_ENABLE_ONEDNN_OPTS");
      pb.environment().remove("SPINAL_ONEDNN");
      pb.environment().put("SPINAL_CACHE", dir.resolve("cache").toString());
      started.add(pb.redirectErrorStream(true).start());
    }
    for (Process p : started) {
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).as(out).isZero();
      assertThat(out).endsWith("TF_ENABLE_ONEDNN_OPTS=1 (stub)");
    }
    assertThat(Files.readAllLines(dir.resolve("runs.txt"))).as("measured once").containsExactly("measured");
  }
}
