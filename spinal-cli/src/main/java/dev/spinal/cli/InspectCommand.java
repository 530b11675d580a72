package dev.spinal.cli;

import dev.spinal.savedmodel.ExportedModel;
import dev.spinal.savedmodel.ModelTrust;
import dev.spinal.savedmodel.SavedModelAudit;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.tensorflow.GraphOperation;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code spinal inspect}: signatures, shapes and op counts of a SavedModel, or its op audit. */
@Command(name = "inspect", description = "Show an exported SavedModel's signatures, shapes, classes and ops; with"
    + " --audit, the op audit of any SavedModel (an export or a backbone) without running it.")
final class InspectCommand implements Callable<Integer> {

  /** The description of every command's --trust-savedmodel. */
  static final String TRUST_HELP = "Load the SavedModel even when its audit finds ops that reach outside the"
      + " model (files, network, Python callbacks). A SavedModel is a program that runs with your permissions:"
      + " use this only for one whose source you trust; 'spinal inspect --audit DIR' shows what it holds.";

  @Parameters(index = "0", paramLabel = "MODEL", description = "Export folder: BASE/<version>, or BASE for its"
      + " highest version; with --audit also a backbone folder.")
  Path dir;

  @Option(names = "--audit", description = "Only audit the SavedModel's ops (graph and function library), without"
      + " loading or running it: op types with counts, the refused ones with their nodes and reasons, the verdict."
      + " Exit code 0 when it passes, 1 when it would be refused.")
  boolean audit;

  @Option(names = "--trust-savedmodel", description = TRUST_HELP)
  boolean trustSavedModel;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  static ModelTrust trust(boolean trusted) {
    return trusted ? ModelTrust.TRUSTED : ModelTrust.AUDITED;
  }

  @Override
  public Integer call() throws Exception {
    if (audit) {
      SavedModelAudit.Report report = SavedModelAudit.audit(ExportedModel.versionDir(dir));
      spec.commandLine().getOut().print(report.render());
      spec.commandLine().getOut().flush();
      return report.passed() ? 0 : 1;
    }
    try (ExportedModel m = ExportedModel.load(dir, trust(trustSavedModel))) {
      System.out.println("SavedModel " + m.dir() + " (tag serve)");
      for (Map.Entry<String, SignatureDef> e : m.bundle().metaGraphDef().getSignatureDefMap().entrySet()) {
        System.out.println("signature " + e.getKey() + " (" + e.getValue().getMethodName() + ")");
        e.getValue().getInputsMap().forEach((k, v) -> System.out.println("  input  " + describe(k, v)));
        e.getValue().getOutputsMap().forEach((k, v) -> System.out.println("  output " + describe(k, v)));
      }
      System.out.println("classes (" + m.classNames().size() + "): " + String.join(", ", m.classNames()));
      System.out.println("audit: " + (m.audit().passed() ? "passed (no op reaches outside the model)"
          : "REFUSED ops accepted by --trust-savedmodel: " + String.join(", ", m.audit().refusedOps())));
      Map<String, Integer> ops = new TreeMap<>();
      var it = m.bundle().graph().operations();
      int total = 0;
      while (it.hasNext()) {
        GraphOperation op = it.next();
        ops.merge(op.type(), 1, Integer::sum);
        total++;
      }
      System.out.println("ops: " + total);
      ops.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue()).limit(20)
          .forEach(e -> System.out.printf("  %-36s %5d%n", e.getKey(), e.getValue()));
      return 0;
    }
  }

  private static String describe(String key, TensorInfo info) {
    StringBuilder shape = new StringBuilder("[");
    for (int i = 0; i < info.getTensorShape().getDimCount(); i++) {
      shape.append(i == 0 ? "" : ", ").append(info.getTensorShape().getDim(i).getSize());
    }
    return String.format("%-14s %-10s %-20s (%s)", key, info.getDtype().name().replace("DT_", "").toLowerCase(),
        shape.append(']'), info.getName());
  }
}
