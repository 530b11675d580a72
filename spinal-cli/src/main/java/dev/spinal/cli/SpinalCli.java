package dev.spinal.cli;

import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The {@code spinal} command line. Every command answers {@code --help}/{@code -h} (the standard
 * help options are inherited by the whole tree) and shows each option's default. Exit codes: 0 done,
 * 1 the command failed (one line on stderr; {@code --verbose} adds the stack trace), 2 the command
 * line is wrong (unknown command or option, with suggestions; a bad value, naming the option and the
 * accepted values; no command given, with the usage).
 */
@Command(
    name = "spinal",
    mixinStandardHelpOptions = true,
    scope = CommandLine.ScopeType.INHERIT,
    showDefaultValues = true,
    versionProvider = Versions.class,
    description = "Build, train, check and export ProgressiveSpinalNet classifier heads on TensorFlow.",
    subcommands = {
      TrainCommand.class,
      AblateCommand.class,
      EvalCommand.class,
      PredictCommand.class,
      InspectCommand.class,
      ExportCommand.class,
      CompareCommand.class,
      ParamsCommand.class,
      GradCheckCommand.class,
      GradFlowCommand.class,
      DataCommand.class,
      BenchCommand.class,
      TransferBenchCommand.class,
      PeersCommand.class,
      CompletionCommand.class,
      CommandLine.HelpCommand.class
    })
public final class SpinalCli {

  @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
      description = "Stack traces on errors, TensorFlow's native log lines (through ./spinal) and, in train,"
          + " op placement.")
  boolean verbose;

  /** The command tree with Spinal's error handling; {@link #main} executes it. */
  public static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new SpinalCli());
    // set here, not in the annotation, which the subcommands would inherit
    cli.getCommandSpec().usageMessage().footer("", "Run 'spinal COMMAND --help' for a command's options, and"
        + " 'spinal spark --help' for batch inference and feature extraction on Apache Spark (./spinal runs it with"
        + " Spark's jars, which the other commands do without).");
    TrainHelp.addRecipeSection(cli.getSubcommands().get("train"));
    TrainHelp.addRecipeSection(cli.getSubcommands().get("ablate"));
    AblateCommand.dropPerRunOptions(cli.getSubcommands().get("ablate"));
    cli.setCaseInsensitiveEnumValuesAllowed(true);
    cli.setExecutionStrategy(parseResult -> {
      rejectUnmatched(parseResult);
      return new CommandLine.RunLast().execute(parseResult);
    });
    cli.setParameterExceptionHandler(SpinalCli::usageError);
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      PrintWriter err = commandLine.getErr();
      err.println("spinal: error: " + oneLine(e));
      if (hasVerbose(parseResult)) {
        e.printStackTrace(err);
      }
      err.flush();
      return 1;
    });
    return cli;
  }

  /**
   * picocli lets unmatched words pass when help is asked for ({@code spinal sweep --help} would
   * print the top-level usage and exit 0): an unknown command or option is an error either way.
   */
  private static void rejectUnmatched(ParseResult result) {
    for (ParseResult r = result; r != null; r = r.subcommand()) {
      if (!r.unmatched().isEmpty()) {
        throw new UnmatchedArgumentException(r.commandSpec().commandLine(), r.unmatched());
      }
    }
  }

  /**
   * A wrong command line: the message (picocli's names the option), picocli's suggestions for a
   * misspelt option or command, and where to read more; exit 2. Without a command, the usage.
   */
  private static int usageError(ParameterException e, String[] args) {
    CommandLine cmd = e.getCommandLine();
    PrintWriter err = cmd.getErr();
    String name = cmd.getCommandSpec().qualifiedName();
    String of = cmd.getCommandSpec().parent() == null ? "" : " of '" + name + "'";
    boolean hasCommands = !cmd.getSubcommands().isEmpty();
    if (hasCommands && e.getMessage().startsWith("Missing required subcommand")) {
      err.println("spinal: error: no command given" + (of.isEmpty() ? "" : " to '" + name + "'"));
      cmd.usage(err);
    } else if (hasCommands && e instanceof UnmatchedArgumentException u && !u.isUnknownOption()
        && !u.getUnmatched().isEmpty()) {
      err.println("spinal: error: unknown command '" + u.getUnmatched().get(0) + "'" + of);
      List<String> suggestions = u.getSuggestions();
      if (!suggestions.isEmpty()) {
        err.println("Did you mean: " + String.join(", ", suggestions) + "?");
      } else {
        err.println("The commands: " + String.join(", ", visibleCommands(cmd)) + ".");
      }
      err.println("Run '" + name + " --help' for what each one does.");
    } else {
      err.println("spinal: error: " + e.getMessage());
      UnmatchedArgumentException.printSuggestions(e, err);
      err.println("Run '" + name + " --help' for the options.");
    }
    err.flush();
    return cmd.getCommandSpec().exitCodeOnInvalidInput();
  }

  private static List<String> visibleCommands(CommandLine cmd) {
    return cmd.getSubcommands().entrySet().stream()
        .filter(e -> e.getKey().equals(e.getValue().getCommandName()))
        .filter(e -> !e.getValue().getCommandSpec().usageMessage().hidden())
        .map(java.util.Map.Entry::getKey)
        .toList();
  }

  private static boolean hasVerbose(ParseResult result) {
    for (ParseResult r = result; r != null; r = r.subcommand()) {
      if (r.matchedOption("--verbose") != null) {
        return true;
      }
    }
    return false;
  }

  private static String oneLine(Throwable e) {
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    if (e instanceof java.io.UncheckedIOException || e instanceof java.io.IOException) {
      message = e.getClass().getSimpleName() + ": " + message;
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }
}
