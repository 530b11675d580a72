package dev.spinal.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code bin/native-log-filter}, through which {@code ./spinal} passes stderr: it drops the Abseil log
 * lines of TensorFlow's native code that TF_CPP_MIN_LOG_LEVEL does not reach, lets everything else
 * through unchanged, and a progress bar's partial line at once.
 */
class NativeLogFilterTest {

  static final Path FILTER = Path.of("..", "bin", "native-log-filter");
  // the lines TF 2.18 / TF Java 1.1 prints once per process (measured on `spinal grad-check`)
  static final String NOTICE = "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n";
  static final String MLIR = "I0000 00:00:1796171088.829153   29587 mlir_graph_optimization_pass.cc:401] MLIR V1"
      + " optimization pass is not enabled\n";
  static final String ABSL_WARNING = "W0000 00:00:1796171088.829153   29587 cpu_utils.cc:145] Failed to get CPU"
      + " frequency: 0 Hz\n";

  static Process filter(String level, String... command) throws IOException {
    assumeThat(Path.of("/usr/bin/perl")).exists();
    List<String> args = new ArrayList<>(List.of("/usr/bin/perl", FILTER.toString(), level));
    args.addAll(List.of(command));
    return new ProcessBuilder(args).redirectErrorStream(true).start();
  }

  static String run(String level, String input) throws Exception {
    Process p = filter(level);
    try (OutputStream in = p.getOutputStream()) {
      in.write(input.getBytes(StandardCharsets.UTF_8));
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return out;
  }

  @Test
  void dropsAbseilLinesBelowTheLevelAndKeepsTheRest() throws Exception {
    String java = "INFO data: 180 train / 20 validation / 200 test images\n";
    String bar = "\repoch 1/1  50% [=====     ] 3/6\repoch 1/1 100% [==========] 6/6\n";
    String mine = "Ignored: a line that starts with I but is no log\n";
    String input = java + NOTICE + MLIR + bar + ABSL_WARNING + mine;
    assertThat(run("1", input)).isEqualTo(java + bar + ABSL_WARNING + mine);
    assertThat(run("2", input)).isEqualTo(java + bar + mine);
    assertThat(run("0", input)).isEqualTo(input);
  }

  @Test
  @Timeout(30)
  void passesAPartialLineAtOnce() throws Exception {
    Process p = filter("1");
    try {
      OutputStream in = p.getOutputStream();
      in.write("\repoch 1/3  10% [=".getBytes(StandardCharsets.UTF_8));
      in.flush();
      byte[] got = new byte[64];
      int n = p.getInputStream().read(got); // blocks until the filter forwards the partial line
      assertThat(new String(got, 0, n, StandardCharsets.UTF_8)).isEqualTo("\repoch 1/3  10% [=");
      in.close();
    } finally {
      p.destroy();
    }
  }

  /** ./spinal's use: the filter runs the command, which writes through it, and stands in for it. */
  @Test
  void runsACommandWithItsStderrFilteredAndExitsWithItsStatus() throws Exception {
    Process p = filter("1", "/bin/sh", "-c", "printf '%s' \"$1\" >&2; echo kept >&2; echo out; exit 3", "sh", MLIR);
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(3);
    assertThat(out.lines()).containsExactlyInAnyOrder("kept", "out");
  }

  @Test
  @Timeout(60)
  void passesSigtermOnToTheCommand() throws Exception {
    Process p = filter("1", "/bin/sh", "-c",
        "trap 'echo stopping >&2; exit 5' TERM; echo ready >&2; while :; do sleep 0.1; done");
    byte[] ready = new byte[6];
    assertThat(p.getInputStream().readNBytes(ready, 0, 6)).isEqualTo(6);
    assertThat(new String(ready, StandardCharsets.UTF_8)).isEqualTo("ready\n");
    // SIGTERM to the filter only (Process.destroy would also close the stream read below)
    assertThat(new ProcessBuilder("kill", "-TERM", Long.toString(p.pid())).start().waitFor()).isZero();
    String rest = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(rest).isEqualTo("stopping\n");
    assertThat(p.exitValue()).isEqualTo(5);
  }
}
