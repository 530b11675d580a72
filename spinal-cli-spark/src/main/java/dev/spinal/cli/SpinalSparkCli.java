package dev.spinal.cli;

import picocli.CommandLine;

/**
 * The {@code spinal} command with {@code spark} added ({@link SparkCommand}): the launcher {@code
 * ./spinal} uses for {@code spark ...} and for {@code train --features} (whose features reader runs on
 * Spark). Every other command runs from {@link SpinalCli} without Spark's jars on the class path.
 * Also the main class of the spark-submit bundle.
 */
public final class SpinalSparkCli {

  private SpinalSparkCli() {}

  /** {@link SpinalCli#commandLine()} with the {@code spark} command. */
  public static CommandLine commandLine() {
    CommandLine cli = SpinalCli.commandLine();
    cli.addSubcommand("spark", new SparkCommand());
    // the top level's footer is inherited by a subcommand added after it was set: give the spark tree its own
    CommandLine spark = cli.getSubcommands().get("spark");
    spark.getCommandSpec().usageMessage().footer("", "Run 'spinal spark COMMAND --help' for a command's options.");
    spark.getSubcommands().values().forEach(c -> c.getCommandSpec().usageMessage().footer(new String[0]));
    return cli;
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }
}
