package dev.spinal.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spinal.train.Recipe;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.ResourceBundle;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Every command of the tree, found through picocli's model (so a command added later is covered
 * without editing this test), answers --help and -h, and describes every option it takes.
 */
class HelpTest {

  private static final Pattern INTERNAL_REFERENCE = Pattern.compile("issue \\d", Pattern.CASE_INSENSITIVE);
  /** One tree for the help runs: building it takes longer than printing a usage. */
  private static final CommandLine CLI = SpinalCli.commandLine();

  /** The command paths of the tree: [], [train], ..., [data, list], [peers, parity], ... */
  static Stream<List<String>> commandPaths() {
    List<List<String>> paths = new ArrayList<>();
    walk(SpinalCli.commandLine(), List.of(), paths, Collections.newSetFromMap(new IdentityHashMap<>()));
    return paths.stream();
  }

  private static void walk(CommandLine cmd, List<String> path, List<List<String>> paths, Set<CommandLine> seen) {
    if (!seen.add(cmd)) {
      return; // an alias of a command already walked
    }
    paths.add(path);
    for (Map.Entry<String, CommandLine> sub : cmd.getSubcommands().entrySet()) {
      List<String> next = new ArrayList<>(path);
      next.add(sub.getKey());
      walk(sub.getValue(), next, paths, seen);
    }
  }

  private static CommandSpec spec(List<String> path) {
    CommandLine cmd = CLI;
    for (String name : path) {
      cmd = cmd.getSubcommands().get(name);
    }
    return cmd.getCommandSpec();
  }

  private static String[] with(List<String> path, String arg) {
    List<String> args = new ArrayList<>(path);
    args.add(arg);
    return args.toArray(String[]::new);
  }

  @Test
  void theTreeHoldsEveryCommand() {
    // a floor, not the list: commands may be added, but these must not disappear from the walk
    assertThat(commandPaths().map(p -> String.join(" ", p))).contains("", "train", "eval", "predict", "inspect",
        "export", "params", "grad-check", "grad-flow", "data", "data list", "data fetch", "data inspect", "bench",
        "transfer-bench", "peers", "peers parity", "peers bench", "peers levers", "completion", "help");
  }

  @ParameterizedTest(name = "spinal {0} --help / -h")
  @MethodSource("commandPaths")
  void everyCommandAnswersHelpWithItsUsage(List<String> path) {
    String usageLine = ("Usage: spinal " + String.join(" ", path)).strip();
    CliTest.Run help = CliTest.run(CLI, with(path, "--help"));
    assertThat(help.exit()).as(help.err()).isZero();
    assertThat(help.err()).isEmpty();
    // picocli's help command puts a one-line header above its usage
    assertThat(help.out().lines()).anyMatch(line -> line.startsWith(usageLine + " "));

    CliTest.Run h = CliTest.run(CLI, with(path, "-h"));
    assertThat(h.exit()).as(h.err()).isZero();
    assertThat(h.out()).isEqualTo(help.out());
  }

  @ParameterizedTest(name = "spinal {0}: every option described, no internal references")
  @MethodSource("commandPaths")
  void everyOptionIsDescribedForUsers(List<String> path) {
    CommandSpec spec = spec(path);
    assertThat(String.join(" ", spec.usageMessage().description())).as("description of '%s'", spec.qualifiedName())
        .isNotBlank();
    List<ArgSpec> args = new ArrayList<>(spec.positionalParameters());
    for (OptionSpec o : spec.options()) {
      if (!o.usageHelp() && !o.versionHelp()) {
        args.add(o);
      }
    }
    for (ArgSpec arg : args) {
      String name = arg instanceof OptionSpec o ? o.longestName() : arg.paramLabel();
      assertThat(String.join(" ", arg.description())).as("%s of '%s'", name, spec.qualifiedName()).isNotBlank();
    }
    String usage = CliTest.run(CLI, with(path, "--help")).out();
    assertThat(usage).doesNotContain("${", "null");
    assertThat(INTERNAL_REFERENCE.matcher(usage).find()).as("'issue N' in:%n%s", usage).isFalse();
  }

  @Test
  void trainHelpListsEveryRecipeWithItsDescription() {
    String help = CliTest.run(CLI, "train", "--help").out();
    assertThat(help).contains("Recipes (--recipe NAME");
    String squeezed = help.replaceAll("\\s", ""); // the table wraps the descriptions
    for (Recipe r : Recipe.values()) {
      assertThat(help).contains("  " + r.cliName() + " ");
      assertThat(squeezed).contains(r.description().replaceAll("\\s", ""));
    }
  }

  /** Each built-in default TrainHelp reads from TrainConfig appears on its option's line. */
  @Test
  void trainOptionsShowTheRecipesValueElseTheBuiltInDefault() {
    CommandSpec train = spec(List.of("train"));
    ResourceBundle defaults = new TrainHelp();
    assertThat(defaults.keySet()).hasSizeGreaterThanOrEqualTo(15);
    for (String key : defaults.keySet()) {
      String option = "--" + key.substring("default.".length());
      OptionSpec spec = train.findOption(option);
      assertThat(spec).as("option %s of bundle key %s", option, key).isNotNull();
      assertThat(String.join(" ", spec.description()))
          .endsWith("Default: recipe's, else " + defaults.getString(key) + ".");
    }
    assertThat(String.join(" ", train.findOption("--width").description())).endsWith("else 64.");
  }
}
