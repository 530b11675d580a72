package dev.spinal.savedmodel;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tensorflow.TensorFlow;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.OpDef;

/**
 * Replaces the function calls of a TF2 SavedModel's graph by the bodies of the called functions, so
 * that the whole forward pass is ordinary graph nodes.
 *
 * <p>Why: a Keras SavedModel's {@code serving_default} is a {@code StatefulPartitionedCall} of a
 * function that captures the model's variables as {@code DT_RESOURCE} inputs. TF Java 1.1 differentiates
 * such a call with a {@code SymbolicGradient} that fails when run ({@code No attr named 'dtype' in
 * NodeDef}), so its variables cannot be trained. Inlined, every variable read is a plain
 * {@code ReadVariableOp} of the graph's {@code VarHandleOp}, with ordinary gradients.
 *
 * <p>How: each call node {@code C} (a {@code PartitionedCall}/{@code StatefulPartitionedCall}, or a
 * node whose op is a library function) becomes its function's nodes named {@code C/<node>}; the
 * function's arguments are wired to {@code C}'s inputs, and every consumer of {@code C:i} to the
 * tensor the function returns as its i-th output. {@code C} itself stays as a {@code NoOp} depending
 * on the function's control outputs, so control dependencies on it keep their meaning. Calls inside
 * the inlined bodies are inlined in the next round, until none is left.
 *
 * <p>A function body names tensors {@code node:output_arg:index}; a graph names them {@code
 * node:flat_index}. The flat index comes from the op's definition ({@link TensorFlow#registeredOpList()})
 * and the node's attributes ({@code number_attr}, {@code type_list_attr}).
 */
final class FunctionInliner {

  private static final Set<String> CALL_OPS = Set.of("PartitionedCall", "StatefulPartitionedCall");
  private static final Set<String> CONTROL_FLOW = Set.of("If", "StatelessIf", "While", "StatelessWhile", "Case",
      "StatelessCase");
  /** Nesting a Keras export reaches: signature wrapper, traced call, layers' functions. */
  private static final int MAX_ROUNDS = 64;

  private static Map<String, OpDef> opDefs;

  private final Path dir;
  private final Map<String, FunctionDef> library = new HashMap<>();
  /** Graph tensor {@code call:i} to the tensor it now stands for (possibly itself redirected). */
  private final Map<String, String> redirect = new HashMap<>();

  private FunctionInliner(GraphDef graph, Path dir) {
    this.dir = dir;
    for (FunctionDef f : graph.getLibrary().getFunctionList()) {
      library.put(f.getSignature().getName(), f);
    }
  }

  /** The flat graph, and where the tensors that calls produced went. */
  record Inlined(GraphDef graph, Map<String, String> redirect) {

    /** The tensor ({@code node:index}) that stands for {@code tensor} of the original graph. */
    String tensor(String tensor) {
      String t = canonical(tensor);
      for (int hops = 0; redirect.containsKey(t); hops++) {
        if (hops > redirect.size()) {
          throw new IllegalStateException("cyclic redirect at " + t);
        }
        t = redirect.get(t);
      }
      return t;
    }
  }

  /**
   * Inlines every call in {@code graph}.
   *
   * @param dir the SavedModel folder, for error messages
   * @throws IllegalArgumentException naming the node and function that cannot be inlined
   */
  static Inlined inline(GraphDef graph, Path dir) {
    FunctionInliner inliner = new FunctionInliner(graph, dir);
    List<NodeDef> nodes = new ArrayList<>(graph.getNodeList());
    for (int round = 0; ; round++) {
      if (nodes.stream().noneMatch(inliner::isCall)) {
        break;
      }
      if (round == MAX_ROUNDS) {
        throw new IllegalArgumentException(dir + ": function calls nested more than " + MAX_ROUNDS
            + " deep (recursive functions?); cannot inline them");
      }
      List<NodeDef> next = new ArrayList<>();
      for (NodeDef n : nodes) {
        if (inliner.isCall(n)) {
          next.addAll(inliner.expand(n));
        } else {
          next.add(n);
        }
      }
      nodes = next;
    }
    Inlined result = new Inlined(null, inliner.redirect);
    GraphDef.Builder out = graph.toBuilder().clearNode();
    for (NodeDef n : nodes) {
      if (CONTROL_FLOW.contains(n.getOp())) {
        throw new IllegalArgumentException(dir + ": node " + n.getName() + " is control flow (" + n.getOp()
            + "), which Spinal cannot inline for fine-tuning; freeze this backbone (drop --fine-tune)");
      }
      NodeDef.Builder b = n.toBuilder().clearInput();
      for (String input : n.getInputList()) {
        b.addInput(input.startsWith("^") ? input : result.tensor(input));
      }
      out.addNode(b);
    }
    return new Inlined(out.build(), inliner.redirect);
  }

  private boolean isCall(NodeDef n) {
    return CALL_OPS.contains(n.getOp()) || library.containsKey(n.getOp());
  }

  /** The nodes that replace the call {@code call}. */
  private List<NodeDef> expand(NodeDef call) {
    String name = CALL_OPS.contains(call.getOp()) ? call.getAttrOrThrow("f").getFunc().getName() : call.getOp();
    FunctionDef f = library.get(name);
    if (f == null) {
      throw new IllegalArgumentException(dir + ": node " + call.getName() + " calls function " + name
          + ", which is not in the graph's function library");
    }
    List<String> data = new ArrayList<>();
    List<String> control = new ArrayList<>();
    for (String input : call.getInputList()) {
      (input.startsWith("^") ? control : data).add(input);
    }
    if (data.size() != f.getSignature().getInputArgCount()) {
      throw new IllegalArgumentException(dir + ": node " + call.getName() + " passes " + data.size()
          + " inputs to function " + name + ", which takes " + f.getSignature().getInputArgCount());
    }
    Map<String, String> args = new HashMap<>();
    for (int i = 0; i < data.size(); i++) {
      args.put(f.getSignature().getInputArg(i).getName(), data.get(i));
    }
    Map<String, NodeDef> body = new HashMap<>();
    for (NodeDef n : f.getNodeDefList()) {
      body.put(n.getName(), n);
    }
    String prefix = call.getName() + "/";
    Body scope = new Body(name, prefix, args, body);
    List<NodeDef> out = new ArrayList<>();
    for (NodeDef n : f.getNodeDefList()) {
      for (AttrValue a : n.getAttrMap().values()) {
        if (!a.getPlaceholder().isEmpty()) {
          throw new IllegalArgumentException(dir + ": function " + name + " is polymorphic (node " + n.getName()
              + " has attribute placeholder " + a.getPlaceholder() + "); Spinal inlines only concrete functions");
        }
      }
      NodeDef.Builder b = NodeDef.newBuilder().setName(prefix + n.getName()).setOp(n.getOp());
      // Internal annotations (colocation "_class" names nodes by their un-prefixed names) are dropped.
      n.getAttrMap().forEach((k, v) -> {
        if (!k.startsWith("_")) {
          b.putAttr(k, v);
        }
      });
      for (String input : n.getInputList()) {
        b.addInput(scope.tensor(input));
      }
      if (n.getInputCount() == 0) {
        control.forEach(b::addInput); // sources run after the call's own control inputs, as in the call
      }
      out.add(b.build());
    }
    NodeDef.Builder done = NodeDef.newBuilder().setName(call.getName()).setOp("NoOp");
    for (int i = 0; i < f.getSignature().getOutputArgCount(); i++) {
      String ret = f.getRetOrThrow(f.getSignature().getOutputArg(i).getName());
      String tensor = scope.tensor(ret);
      redirect.put(call.getName() + ":" + i, tensor);
      done.addInput("^" + nodeName(tensor));
    }
    for (String node : f.getControlRetMap().values()) {
      done.addInput("^" + prefix + node);
    }
    out.add(done.build());
    return out;
  }

  /** Name resolution inside one inlined function body. */
  private final class Body {
    private final String function;
    private final String prefix;
    private final Map<String, String> args;
    private final Map<String, NodeDef> nodes;

    Body(String function, String prefix, Map<String, String> args, Map<String, NodeDef> nodes) {
      this.function = function;
      this.prefix = prefix;
      this.args = args;
      this.nodes = nodes;
    }

    /** A body input ({@code arg}, {@code node:out_arg:i}, {@code ^node}) as a graph input. */
    String tensor(String input) {
      boolean isControl = input.startsWith("^");
      String ref = isControl ? input.substring(1) : input;
      String[] parts = ref.split(":");
      if (parts.length == 1) {
        String arg = args.get(ref);
        if (arg != null) {
          return isControl ? "^" + nodeName(arg) : arg;
        }
        if (isControl && nodes.containsKey(ref)) {
          return "^" + prefix + ref;
        }
        throw new IllegalArgumentException(dir + ": function " + function + " refers to " + input
            + ", which is neither one of its arguments nor one of its nodes");
      }
      if (parts.length != 3 || !nodes.containsKey(parts[0])) {
        throw new IllegalArgumentException(dir + ": function " + function + " has an input '" + input
            + "' that is not of the form node:output:index");
      }
      return prefix + parts[0] + ":" + flatIndex(nodes.get(parts[0]), parts[1], Integer.parseInt(parts[2]));
    }

    private int flatIndex(NodeDef node, String outputArg, int index) {
      List<OpDef.ArgDef> outputs;
      FunctionDef called = library.get(node.getOp());
      if (called != null) {
        outputs = called.getSignature().getOutputArgList();
      } else {
        OpDef def = opDef(node.getOp());
        if (def == null) {
          throw new IllegalArgumentException(dir + ": function " + function + " uses op " + node.getOp()
              + " (node " + node.getName() + "), which this TensorFlow (" + TensorFlow.version()
              + ") does not know");
        }
        outputs = def.getOutputArgList();
      }
      int offset = 0;
      for (OpDef.ArgDef arg : outputs) {
        if (arg.getName().equals(outputArg)) {
          return offset + index;
        }
        offset += length(arg, node);
      }
      throw new IllegalArgumentException(dir + ": node " + node.getName() + " of function " + function
          + " has no output named " + outputArg);
    }

    private int length(OpDef.ArgDef arg, NodeDef node) {
      if (!arg.getNumberAttr().isEmpty()) {
        return (int) attr(node, arg.getNumberAttr()).getI();
      }
      if (!arg.getTypeListAttr().isEmpty()) {
        return attr(node, arg.getTypeListAttr()).getList().getTypeCount();
      }
      return 1;
    }

    /** The node's attribute, or the op's default for it (exports strip default-valued attributes). */
    private AttrValue attr(NodeDef node, String name) {
      AttrValue v = node.getAttrMap().get(name);
      if (v != null) {
        return v;
      }
      OpDef def = opDef(node.getOp());
      if (def != null) {
        for (OpDef.AttrDef a : def.getAttrList()) {
          if (a.getName().equals(name) && a.hasDefaultValue()) {
            return a.getDefaultValue();
          }
        }
      }
      throw new IllegalArgumentException(dir + ": node " + node.getName() + " of function " + function
          + " lacks attribute " + name);
    }
  }

  private static synchronized OpDef opDef(String op) {
    if (opDefs == null) {
      Map<String, OpDef> all = new HashMap<>();
      for (OpDef d : TensorFlow.registeredOpList().getOpList()) {
        all.put(d.getName(), d);
      }
      opDefs = all;
    }
    return opDefs.get(op);
  }

  static String canonical(String tensor) {
    return tensor.contains(":") ? tensor : tensor + ":0";
  }

  static String nodeName(String tensor) {
    String n = tensor.startsWith("^") ? tensor.substring(1) : tensor;
    int colon = n.indexOf(':');
    return colon < 0 ? n : n.substring(0, colon);
  }
}
