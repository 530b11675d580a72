package dev.spinal.train.cli;

import dev.spinal.core.count.ParameterTable;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code spinal params}: the parameter/FLOP table of the three heads at the paper's settings. */
@Command(name = "params", description = "Parameters and FLOPs of the three heads at the paper's settings.")
final class ParamsCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    System.out.print(ParameterTable.render());
    return 0;
  }
}
