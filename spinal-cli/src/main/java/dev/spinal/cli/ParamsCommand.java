package dev.spinal.cli;

import dev.spinal.core.count.ParameterTable;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code spinal params}: the parameter/FLOP table of the three heads at the paper's settings. */
@Command(name = "params", description = "Parameters and FLOPs of the three heads at the paper's settings.")
final class ParamsCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().getOut().print(ParameterTable.render());
    spec.commandLine().getOut().flush();
    return 0;
  }
}
