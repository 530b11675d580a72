package dev.spinal.savedmodel;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;

/**
 * Turns the resource variables of an inlined TF2 graph ({@code VarHandleOp} read by
 * {@code ReadVariableOp}) into reference variables ({@code VariableV2} read by {@code Identity}).
 *
 * <p>Why: in TF Java 1.1 both the framework's optimizers ({@code ApplyAdam}, {@code ApplyMomentum}, ...)
 * and the saver behind checkpoints and SavedModel exports handle only {@code VariableV2}. As reference
 * variables, a Keras SavedModel's weights are trained, checkpointed and exported like the head's.
 * The values are not in the graph: the backbone copies them in after initialization.
 */
final class RefVariables {

  private RefVariables() {}

  /**
   * @throws IllegalArgumentException naming the node when a variable is used other than by
   *     {@code ReadVariableOp} (an inference forward pass only reads its variables)
   */
  static GraphDef convert(GraphDef graph, Path dir) {
    Set<String> handles = new HashSet<>();
    for (NodeDef n : graph.getNodeList()) {
      if (n.getOp().equals("VarHandleOp")) {
        handles.add(n.getName());
      }
    }
    GraphDef.Builder out = graph.toBuilder().clearNode();
    for (NodeDef n : graph.getNodeList()) {
      if (handles.contains(n.getName())) {
        out.addNode(NodeDef.newBuilder().setName(n.getName()).setOp("VariableV2")
            .putAttr("dtype", n.getAttrOrThrow("dtype")).putAttr("shape", n.getAttrOrThrow("shape"))
            .putAttr("container", AttrValue.newBuilder().setS(com.google.protobuf.ByteString.EMPTY).build())
            .putAttr("shared_name", AttrValue.newBuilder().setS(com.google.protobuf.ByteString.EMPTY).build()));
        continue;
      }
      boolean readsHandle = false;
      for (String input : n.getInputList()) {
        if (!input.startsWith("^") && handles.contains(FunctionInliner.nodeName(input))) {
          readsHandle = true;
        }
      }
      if (!readsHandle) {
        out.addNode(n);
      } else if (n.getOp().equals("ReadVariableOp")) {
        out.addNode(n.toBuilder().setOp("Identity").clearAttr().putAttr("T", n.getAttrOrThrow("dtype")));
      } else {
        throw new IllegalArgumentException(dir + ": node " + n.getName() + " (" + n.getOp() + ") uses a variable"
            + " other than by reading it; Spinal can fine-tune only a forward pass that reads its variables");
      }
    }
    return out.build();
  }
}
