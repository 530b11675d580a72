package dev.spinal.cli;

import dev.spinal.train.RunComparison;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code spinal compare}: finished runs side by side, as a table and (optionally) a chart. */
@Command(name = "compare", description = {"Show finished runs side by side: epochs, the best-validation epoch, its"
    + " validation and test accuracy, the paper's protocol beside it, time, and the settings in which the runs"
    + " differ (Markdown tables).", "",
    "  spinal compare runs/plain runs/ema --names \"current weights,weight average\" --plot compare.png"})
final class CompareCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;
  @Parameters(paramLabel = "RUN", arity = "1..*", description = "Run folders (what spinal train --out wrote).")
  List<Path> runs;
  @Option(names = "--names", paramLabel = "NAME", split = ",", description = "What to call the runs in the tables"
      + " and the chart, one per RUN, comma-separated. Default: the folders' names.")
  List<String> names;
  @Option(names = "--plot", paramLabel = "FILE", description = "Also write their validation and test accuracy per"
      + " epoch, one line per run, as a PNG.")
  Path plot;

  @Override
  public Integer call() {
    RunComparison comparison = names == null ? RunComparison.of(runs) : RunComparison.of(runs, names);
    PrintWriter out = spec.commandLine().getOut();
    out.print(comparison.table());
    if (plot != null) {
      comparison.plot(plot);
      out.println();
      out.println("wrote " + plot);
    }
    out.flush();
    return 0;
  }
}
