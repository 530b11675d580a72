package dev.spinal.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code spinal completion}'s script, sourced in a real bash, completes what a user types. */
class CompletionTest {

  @TempDir static Path dir;
  static Path script;

  @BeforeAll
  static void writeScript() throws IOException {
    CliTest.Run r = CliTest.run("completion");
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("complete -F _complete_spinal");
    script = dir.resolve("spinal-completion.bash");
    Files.writeString(script, r.out());
  }

  /** What bash offers after {@code line} (the last word being completed), one candidate a line. */
  static List<String> complete(String line) throws IOException, InterruptedException {
    assumeThat(Path.of("/bin/bash")).exists();
    // COMP_WORDS as bash would split the line, with an empty last word after a trailing space
    String program = "source \"$1\"; read -r -a COMP_WORDS <<< \"$2\"; [[ \"$2\" == *' ' ]] && COMP_WORDS+=('');"
        + " COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); COMP_LINE=\"$2\"; COMP_POINT=${#2};"
        + " _complete_spinal 2>/dev/null; printf '%s\\n' \"${COMPREPLY[@]}\"";
    Process p = new ProcessBuilder("/bin/bash", "-c", program, "bash", script.toString(), line)
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return out.lines().filter(s -> !s.isBlank()).toList();
  }

  @Test
  void completesCommandsOptionsAndValues() throws Exception {
    assertThat(complete("spinal tr")).containsExactlyInAnyOrder("train", "transfer-bench");
    assertThat(complete("spinal data ")).contains("list", "fetch", "inspect");
    assertThat(complete("spinal train --wi")).containsExactly("--width");
    assertThat(complete("spinal train --recipe f"))
        .containsExactlyInAnyOrder("fashion-mnist-vgg5", "fashion-mnist-vgg5-hour", "fruits360-wrn101");
    assertThat(complete("spinal train --dataset f")).containsExactlyInAnyOrder("fashion-mnist", "fruits360");
    assertThat(complete("spinal train --head ")).containsExactlyInAnyOrder("progressive", "spinal", "dense");
    assertThat(complete("spinal train --optimizer ")).containsExactlyInAnyOrder("sgd", "adam");
    assertThat(complete("spinal eval --split ")).containsExactlyInAnyOrder("train", "validation", "test");
    // bash looks a path's completion up by its last part, so ./spinal gets spinal's
    assertThat(complete("./spinal train --head s")).containsExactly("spinal");
  }
}
