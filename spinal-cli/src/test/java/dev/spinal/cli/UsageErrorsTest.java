package dev.spinal.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** A wrong command line exits 2 and says what was wrong and what would be right; --version says what runs. */
class UsageErrorsTest {

  @Test
  void unknownCommandIsAnErrorNamingItEvenWithHelp() {
    for (String[] args : List.of(new String[] {"sweep"}, new String[] {"sweep", "--help"})) {
      CliTest.Run r = CliTest.run(args);
      assertThat(r.exit()).as(String.join(" ", args)).isEqualTo(2);
      assertThat(r.out()).isEmpty();
      assertThat(r.err()).startsWith("spinal: error: unknown command 'sweep'\n")
          .contains("Run 'spinal --help'");
    }
  }

  @Test
  void misspeltCommandSuggestsTheCloseOnes() {
    CliTest.Run r = CliTest.run("traim", "--recipe", "fashion-mnist-vgg5");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("unknown command 'traim'", "Did you mean: train");
  }

  @Test
  void unknownSubcommandListsTheCommandsWhenNoneIsClose() {
    CliTest.Run r = CliTest.run("data", "zzzz");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("unknown command 'zzzz' of 'spinal data'", "The commands: list, fetch, inspect.");
  }

  @Test
  void noCommandPrintsTheUsageOnStderrAndExitsTwo() {
    CliTest.Run r = CliTest.run();
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).startsWith("spinal: error: no command given\nUsage: spinal ").contains("train", "eval");
    CliTest.Run data = CliTest.run("data");
    assertThat(data.exit()).isEqualTo(2);
    assertThat(data.err()).contains("no command given to 'spinal data'", "Usage: spinal data ", "fetch");
  }

  @Test
  void misspeltOptionSuggestsTheRightOne() {
    CliTest.Run r = CliTest.run("train", "--recipe", "fashion-mnist-vgg5", "--widht", "32", "--out", "/tmp/never");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("Unknown option", "'--widht'", "Possible solutions: --width");
  }

  static Stream<Arguments> closedSets() {
    return Stream.of(
        Arguments.of(List.of("train", "--recipe", "fashion-mnist-vgg5"), "--head", List.of("progressive", "spinal",
            "dense")),
        Arguments.of(List.of("train", "--recipe", "fashion-mnist-vgg5"), "--optimizer", List.of("sgd", "adam")),
        Arguments.of(List.of("train", "--recipe", "fashion-mnist-vgg5"), "--precision", List.of("fp32", "bf16")),
        Arguments.of(List.of("train", "--recipe", "fashion-mnist-vgg5"), "--device", List.of("cpu", "gpu")),
        Arguments.of(List.of("train", "--recipe", "fashion-mnist-vgg5"), "--augment", List.of("none", "paper",
            "crop-flip-erase", "crop-flip")),
        Arguments.of(List.of("train", "--recipe", "fashion-mnist-vgg5"), "--tta", List.of("none", "flip")),
        Arguments.of(List.of("eval", "--model", "m", "--dataset", "fashion-mnist"), "--split",
            List.of("train", "validation", "test")),
        Arguments.of(List.of("eval", "--model", "m", "--dataset", "fashion-mnist"), "--tta", List.of("none", "flip")),
        Arguments.of(List.of("grad-check"), "--activation", List.of("relu", "sigmoid", "tanh", "elu", "identity")),
        Arguments.of(List.of("grad-check"), "--head", List.of("progressive", "spinal", "dense")));
  }

  @ParameterizedTest(name = "{0} {1} bogus")
  @MethodSource("closedSets")
  void wrongValueNamesTheOptionAndTheAcceptedValues(List<String> command, String option, List<String> accepted) {
    List<String> args = new java.util.ArrayList<>(command);
    args.addAll(List.of(option, "bogus"));
    CliTest.Run r = CliTest.run(args.toArray(String[]::new));
    assertThat(r.exit()).isEqualTo(2);
    String first = r.err().lines().findFirst().orElse("");
    assertThat(first).startsWith("spinal: error: Invalid value for option '" + option + "'").contains("'bogus'");
    for (String value : accepted) {
      assertThat(first).contains(value);
    }
  }

  @Test
  void acceptedValuesAreTakenInAnyCase() {
    picocli.CommandLine cli = SpinalCli.commandLine();
    cli.parseArgs("train", "--dataset", "fashion-mnist", "--head", "SPINAL", "--device", "CPU", "--optimizer", "Sgd");
    TrainCommand train = cli.getSubcommands().get("train").getCommand();
    assertThat(train.config().head()).isEqualTo(dev.spinal.core.heads.HeadKind.SPINAL);
    assertThat(train.config().optimizer()).isEqualTo(dev.spinal.train.OptimizerKind.SGD);
    assertThat(train.device).isEqualTo("cpu");
  }

  @Test
  void augmentAloneMeansThePapersChainAndTakesAPolicy() {
    TrainCommand alone = parsedTrain("--augment", "--epochs", "3");
    assertThat(alone.config().augmentation()).isEqualTo(dev.spinal.train.AugmentPolicy.PAPER);
    assertThat(alone.config().epochs()).isEqualTo(3);
    TrainCommand named = parsedTrain("--augment", "crop-flip-erase", "--label-smoothing", "0.1", "--weight-decay",
        "0.05");
    assertThat(named.config().augmentation()).isEqualTo(dev.spinal.train.AugmentPolicy.CROP_FLIP_ERASE);
    assertThat(named.config().labelSmoothing()).isEqualTo(0.1);
    assertThat(named.config().weightDecay()).isEqualTo(0.05);
    assertThat(parsedTrain("--augment=false").config().augment()).isFalse();
    assertThat(parsedTrain().config().augmentation()).isEqualTo(dev.spinal.train.AugmentPolicy.NONE);
  }

  @Test
  void aTimeBudgetReplacesEpochsAndStepsAndIsNotForResume() {
    CliTest.Run epochs = CliTest.run("train", "--recipe", "fashion-mnist-vgg5", "--time-budget", "15m", "--epochs",
        "3", "--out", "/tmp/never");
    assertThat(epochs.exit()).isEqualTo(1);
    assertThat(epochs.err()).startsWith("spinal: error: --time-budget decides the epochs and steps that fit: drop"
        + " --epochs");
    CliTest.Run steps = CliTest.run("train", "--recipe", "fashion-mnist-vgg5", "--time-budget", "1h", "--max-steps",
        "100", "--out", "/tmp/never");
    assertThat(steps.err()).startsWith("spinal: error: --time-budget decides the epochs and steps that fit: drop"
        + " --max-steps");
    CliTest.Run resume = CliTest.run("train", "--resume", "/tmp/never", "--time-budget", "15m");
    assertThat(resume.err()).startsWith("spinal: error: --resume continues a run as it was planned: drop"
        + " --time-budget");
    CliTest.Run bad = CliTest.run("train", "--recipe", "fashion-mnist-vgg5", "--time-budget", "15min", "--out",
        "/tmp/never");
    assertThat(bad.exit()).isEqualTo(2);
    assertThat(bad.err()).startsWith("spinal: error: Invalid value for option '--time-budget'")
        .contains("cannot read the duration '15min'; expected e.g. 90s, 15m, 1h or 1h30m");
  }

  @Test
  void labelSmoothingOutOfRangeNamesTheFlag() {
    CliTest.Run r = CliTest.run("train", "--recipe", "fashion-mnist-vgg5", "--label-smoothing", "1.5", "--out",
        "/tmp/never");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).startsWith("spinal: error: --label-smoothing must be in [0, 1), got 1.5");
  }

  @Test
  void evaluationFrequencyIsTakenAndZeroNamesTheFlag() {
    assertThat(parsedTrain("--eval-every", "3").config().evaluateEvery()).isEqualTo(3);
    assertThat(parsedTrain().config().evaluateEvery()).as("after every epoch").isEqualTo(1);
    assertThat(parsedTrain("--early-stopping", "5").config().earlyStopping()).isEqualTo(5);
    assertThat(parsedTrain().config().earlyStopping()).as("never").isZero();
    CliTest.Run r = CliTest.run("train", "--recipe", "fashion-mnist-vgg5", "--eval-every", "0", "--out",
        "/tmp/never");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).startsWith("spinal: error: --eval-every must be >= 1 (1: after every epoch), got 0");
  }

  private static TrainCommand parsedTrain(String... options) {
    picocli.CommandLine cli = SpinalCli.commandLine();
    List<String> args = new java.util.ArrayList<>(List.of("train", "--recipe", "fashion-mnist-vgg5"));
    args.addAll(List.of(options));
    cli.parseArgs(args.toArray(String[]::new));
    return cli.getSubcommands().get("train").getCommand();
  }

  @Test
  void versionNamesSpinalTensorFlowJavaAndTensorFlow() throws IOException {
    CliTest.Run r = CliTest.run("--version");
    assertThat(r.exit()).isZero();
    List<String> lines = r.out().lines().toList();
    assertThat(lines.get(0)).isEqualTo("spinal " + projectVersion());
    assertThat(lines.get(1)).matches("TensorFlow Java \\d+\\.\\d+\\.\\d+.*");
    assertThat(lines.get(2)).startsWith("TensorFlow " + org.tensorflow.TensorFlow.version() + " ");
    assertThat(CliTest.run("train", "--version").out()).isEqualTo(r.out());
  }

  /** The version the parent pom gives the build (spinal-cli's pom names it as its parent's). */
  private static String projectVersion() throws IOException {
    String pom = Files.readString(Path.of("pom.xml"));
    Matcher m = Pattern.compile("<parent>.*?<version>([^<]+)</version>", Pattern.DOTALL).matcher(pom);
    assertThat(m.find()).as("a parent version in spinal-cli/pom.xml").isTrue();
    return m.group(1);
  }
}
