package dev.spinal.cli;

import dev.spinal.core.check.GradientCheck;
import dev.spinal.core.heads.HeadKind;
import dev.spinal.core.heads.HeadSpec;
import dev.spinal.core.layers.Activation;
import dev.spinal.core.losses.CrossEntropy;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.tensorflow.ndarray.Shape;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code spinal grad-check}: symbolic vs finite-difference gradients of a head, through the loss. */
@Command(name = "grad-check", description = "Check a head's gradients (float64, through"
    + " the loss, on a random batch) against finite differences; exit 1 if any relative error exceeds"
    + " --tolerance.")
final class GradCheckCommand implements Callable<Integer> {

  @Option(names = "--head", paramLabel = "HEAD", defaultValue = "progressive", converter = Choices.HeadName.class,
      completionCandidates = Choices.HeadName.class, description = "Head: ${COMPLETION-CANDIDATES}.")
  String head;
  @Option(names = "--input-size", defaultValue = "8", description = "Size of the random feature vectors.")
  long inputSize;
  @Option(names = "--width", defaultValue = "4", description = "Width of each hidden layer.") long width;
  @Option(names = "--depth", defaultValue = "4", description = "Hidden layers.") int depth;
  @Option(names = "--classes", defaultValue = "3", description = "Classes (outputs) of the head.") int classes;
  @Option(names = "--batch-norm", description = "Linear->BatchNorm->act in each layer (batch statistics).")
  boolean batchNorm;
  @Option(names = "--dropout", defaultValue = "0.2", description = "Dropout rate (its mask is a function of the"
      + " seed, the same in every evaluation).")
  double dropout;
  @Option(names = "--activation", paramLabel = "ACTIVATION", defaultValue = "relu", converter = Choices.ActivationName.class,
      completionCandidates = Choices.ActivationName.class, description = "Activation: ${COMPLETION-CANDIDATES}.")
  String activation;
  @Option(names = "--batch", defaultValue = "5", description = "Examples in the random batch.") int batch;
  @Option(names = "--tolerance", defaultValue = "1e-6", description = "Largest relative error that passes.")
  double tolerance;

  @Override
  public Integer call() {
    HeadSpec spec = HeadSpec.builder().inputSize(inputSize).width(width).depth(depth).classes(classes)
        .batchNorm(batchNorm).dropout(dropout).activation(Activation.valueOf(activation.toUpperCase(Locale.ROOT)))
        .build();
    HeadKind kind = HeadKind.parse(head);
    int[] labels = new int[batch];
    for (int i = 0; i < batch; i++) {
      labels[i] = i % classes;
    }
    GradientCheck.Report report = GradientCheck.float64(
            (ctx, in) -> CrossEntropy.mean(ctx.tf(), ctx.tf().constant(labels), kind.create(spec).build(ctx, in.get(0)).logits()))
        .input("features", Shape.of(batch, inputSize))
        .run();
    System.out.println(kind.cliName() + " head, " + spec);
    System.out.print(report.table());
    boolean ok = report.maxRelativeError() < tolerance;
    System.out.printf("max relative error %.3e: %s (tolerance %.1e)%n", report.maxRelativeError(),
        ok ? "OK" : "FAILED", tolerance);
    return ok ? 0 : 1;
  }
}
