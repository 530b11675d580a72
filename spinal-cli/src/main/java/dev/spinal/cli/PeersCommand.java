package dev.spinal.cli;

import dev.spinal.benchmarks.ParityExport;
import dev.spinal.benchmarks.SpinalSpeed;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code spinal peers}: Spinal's side of the comparison with the PyTorch and Keras peers in
 * {@code benchmarks/peers/} (whose {@code run} script drives it). {@code parity} writes weights, a
 * batch, dropout masks and Spinal's logits/loss/gradients for the peers to reproduce; {@code bench}
 * measures Spinal's speed rows; {@code levers} measures training speed under session-config variants.
 * Runnable on its own through {@link #main}.
 */
@Command(name = "peers", mixinStandardHelpOptions = true, versionProvider = Versions.class,
    description = "Spinal's side of the PyTorch/Keras peer comparison (benchmarks/peers/).",
    subcommands = {PeersCommand.Parity.class, PeersBench.class, LeverBench.class})
public final class PeersCommand {

  /** {@code peers parity --out DIR}: one folder per case (see {@link ParityExport}). */
  @Command(name = "parity", mixinStandardHelpOptions = true,
      description = "Write weights, a fixed batch, dropout masks and Spinal's logits, loss and gradients"
          + " for VGG-5 + each head kind, one folder per case.")
  static final class Parity implements Callable<Integer> {
    @Option(names = "--out", required = true, description = "Output folder.") Path out;
    @Option(names = "--batch", defaultValue = "4", description = "Batch size.") int batch;
    @Option(names = "--case", description = "Only this case (progressive, spinal, dense, progressive-bn)."
        + " Default: all.")
    String only;
    @Option(names = "--seed-offset", defaultValue = "0",
        description = "Added to every case's seed (other weights and batches, for robustness sweeps).")
    long seedOffset;
    @Option(names = "--probe", split = ",", paramLabel = "OP",
        showDefaultValue = CommandLine.Help.Visibility.NEVER, description = "Also export values and loss gradients of"
        + " these ops' outputs (debugging a gradient mismatch), e.g. vgg5/MaxPool.")
    List<String> probes = List.of();

    @Override
    public Integer call() throws Exception {
      List<ParityExport.Case> cases = ParityExport.defaultCases(batch);
      for (ParityExport.Case c : cases) {
        if (only != null && !only.equals(c.name())) {
          continue;
        }
        ParityExport.Case seeded = new ParityExport.Case(c.name(), c.kind(), c.width(), c.depth(),
            c.classes(), c.dropout(), c.headBatchNorm(), c.batch(), c.seed() + seedOffset);
        ParityExport.write(seeded, out.resolve(c.name()), probes);
        System.out.println("parity: wrote " + out.resolve(c.name()));
      }
      return 0;
    }
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new PeersCommand()).execute(args));
  }
}
