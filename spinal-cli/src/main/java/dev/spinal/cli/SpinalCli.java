package dev.spinal.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code spinal} command line. Errors are one line on stderr and a non-zero exit code;
 * {@code --verbose} adds the stack trace.
 */
@Command(
    name = "spinal",
    mixinStandardHelpOptions = true,
    version = "spinal 0.1.0 (TensorFlow Java 1.1.0)",
    description = "Build, train, check and export ProgressiveSpinalNet classifier heads on TensorFlow.",
    subcommands = {
      TrainCommand.class,
      EvalCommand.class,
      PredictCommand.class,
      InspectCommand.class,
      ExportCommand.class,
      ParamsCommand.class,
      GradCheckCommand.class,
      GradFlowCommand.class,
      DataCommand.class,
      BenchCommand.class,
      TransferBenchCommand.class,
      dev.spinal.cli.PeersCommand.class,
      CommandLine.HelpCommand.class
    })
public final class SpinalCli implements Runnable {

  @Option(names = "--verbose", description = "Print stack traces on errors and log op placement.",
      scope = CommandLine.ScopeType.INHERIT)
  boolean verbose;

  @Override
  public void run() {
    CommandLine.usage(this, System.out);
  }

  public static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new SpinalCli());
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      PrintWriter err = commandLine.getErr();
      boolean verbose = parseResult.matchedOption("--verbose") != null
          || parseResult.subcommand() != null && hasVerbose(parseResult.subcommand());
      err.println("spinal: error: " + oneLine(e));
      if (verbose) {
        e.printStackTrace(err);
      }
      err.flush();
      return 1;
    });
    return cli;
  }

  private static boolean hasVerbose(CommandLine.ParseResult result) {
    return result.matchedOption("--verbose") != null
        || result.subcommand() != null && hasVerbose(result.subcommand());
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
