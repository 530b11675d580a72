package dev.spinal.cli;

import dev.spinal.savedmodel.ExportedModel;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.tensorflow.GraphOperation;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code spinal inspect}: signatures, shapes and op counts of a SavedModel. */
@Command(name = "inspect", description = "Show an exported SavedModel's signatures, shapes, classes and ops.")
final class InspectCommand implements Callable<Integer> {

  @Parameters(index = "0", paramLabel = "MODEL", description = "Export folder: BASE/<version>, or BASE for its"
      + " highest version.")
  Path dir;

  @Override
  public Integer call() throws Exception {
    try (ExportedModel m = ExportedModel.load(dir)) {
      System.out.println("SavedModel " + m.dir() + " (tag serve)");
      for (Map.Entry<String, SignatureDef> e : m.bundle().metaGraphDef().getSignatureDefMap().entrySet()) {
        System.out.println("signature " + e.getKey() + " (" + e.getValue().getMethodName() + ")");
        e.getValue().getInputsMap().forEach((k, v) -> System.out.println("  input  " + describe(k, v)));
        e.getValue().getOutputsMap().forEach((k, v) -> System.out.println("  output " + describe(k, v)));
      }
      System.out.println("classes (" + m.classNames().size() + "): " + String.join(", ", m.classNames()));
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
