package dev.spinal.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** CLI errors: one clear line on stderr and a non-zero exit; --verbose adds the trace. */
class CliTest {

  record Run(int exit, String out, String err) {}

  static Run run(String... args) {
    return run(SpinalCli.commandLine(), args);
  }

  /** Runs {@code args} on {@code cli} (picocli resets every option before each parse, so it may be reused). */
  static Run run(CommandLine cli, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int exit = cli.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  @Test
  void executionErrorsAreOneLine() {
    Run r = run("train", "--dataset", "fashion-mnist", "--depth", "0", "--out", "/tmp/never");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err().strip().lines()).hasSize(1);
    assertThat(r.err()).startsWith("spinal: error: --depth must be >= 1, got 0");
  }

  @Test
  void verboseAddsTheStackTrace() {
    Run r = run("train", "--dataset", "fashion-mnist", "--depth", "0", "--out", "/tmp/never", "--verbose");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("spinal: error:", "at dev.spinal.train.TrainConfig$Builder.build");
  }

  @Test
  void unknownRecipeNamesTheOptionAndTheRecipes() {
    Run r = run("train", "--recipe", "mnist-resnet", "--out", "/tmp/never");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).startsWith("spinal: error: Invalid value for option '--recipe': unknown recipe"
        + " 'mnist-resnet'; expected one of mnist-fc,");
    assertThat(r.err().lines().skip(1)).containsExactly("Run 'spinal train --help' for the options.");
  }

  @Test
  void missingPretrainedBackboneSaysWhatToGet(@TempDir Path dir) {
    Run r = run("train", "--recipe", "stl10-wrn101", "--out", dir.resolve("run").toString(),
        "--data-path", dir.toString());
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).startsWith("spinal: error: backbone 'saved-models/wide_resnet101'")
        .contains("saved-models/export_backbone.py", "--backbone");
  }

  @Test
  void badFlagValuesNameTheFlag() {
    Run r = run("train", "--dataset", "fashion-mnist", "--depth", "0", "--out", "/tmp/never");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("--depth must be >= 1, got 0");
    Run schedule = run("train", "--dataset", "fashion-mnist", "--schedule", "linear", "--out", "/tmp/never");
    assertThat(schedule.exit()).isEqualTo(2);
    assertThat(schedule.err()).contains("'--schedule': unknown schedule 'linear'; expected constant, plateau-cube,"
        + " cosine, cosine:FLOOR (the lowest rate as a share of --lr, e.g. 0.1), one-cycle, one-cycle:WARMUP");
    Run step = run("train", "--dataset", "fashion-mnist", "--schedule", "step:two:0.5", "--out", "/tmp/never");
    assertThat(step.err()).contains("'--schedule': 'step:two:0.5' is not step:STEP:GAMMA");
    Run oneCycle = run("train", "--dataset", "fashion-mnist", "--schedule", "one-cycle:third", "--out", "/tmp/never");
    assertThat(oneCycle.exit()).isEqualTo(2);
    assertThat(oneCycle.err()).contains("'--schedule': 'one-cycle:third' is not one-cycle:WARMUP with a number WARMUP");
    Run floor = run("train", "--dataset", "fashion-mnist", "--schedule", "cosine:low", "--out", "/tmp/never");
    assertThat(floor.err()).contains("'--schedule': 'cosine:low' is not cosine:FLOOR with a number FLOOR in (0, 1)");
  }

  @Test
  void missingModelFolderIsNamed(@TempDir Path dir) {
    Run r = run("inspect", dir.resolve("nothing").toString());
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("no SavedModel at", "does not exist");
  }

  @Test
  void paramsPrintsTheTable() {
    Run r = run("params");
    assertThat(r.exit()).isZero();
    // the VGG-5 setting (256 features, width 64, depth 4, 10 classes): counts checked against built graphs
    // in ParameterCountTest; here, that the command prints them
    assertThat(r.out()).contains("progressive", "spinal", "dense", "95,498", "47,882", "29,578");
  }

  @Test
  void badPrecisionNamesTheChoices() {
    Run r = run("train", "--recipe", "fashion-mnist-vgg5", "--precision", "fp16", "--out", "/tmp/never");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("'--precision': unknown precision 'fp16'; expected fp32 or bf16");
  }

  @Test
  void usageErrorsExitTwo() {
    Run r = run("train", "--width", "wide");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("--width");
  }
}
