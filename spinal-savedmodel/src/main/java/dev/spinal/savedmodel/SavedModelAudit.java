package dev.spinal.savedmodel;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.GradientDef;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NameAttrList;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.proto.SaverDef;

/**
 * The op audit of a SavedModel that Spinal did not write, run on {@code saved_model.pb}'s protos before
 * {@link SavedModelBundle#load} runs anything (the loader itself runs the model's restore and init ops).
 *
 * <p>It lists every node of the {@code serve} MetaGraph's graph and of every function of its function library
 * (so also the functions that {@code StatefulPartitionedCall}, {@code If}, {@code While}, dataset ops ... call,
 * however deep, and functions nothing calls), and refuses the op types of {@code refused-ops.txt} (beside this
 * class: one line per op type with its reason and where the list comes from): ops that read or write files, use
 * the network, call back into Python, or run programs the audit cannot see into.
 *
 * <p>Checkpoint ops ({@code SaveV2}, {@code RestoreV2}, {@code MergeV2Checkpoints}, ...) are accepted in two places
 * only. As the loader's own, when they belong to the model's saver: a node is accepted when the graph nodes named
 * by {@code MetaGraphDef.saver_def} ({@code restore_op_name}, {@code save_tensor_name}) reach it through their
 * inputs and the functions they call, and no other node of the graph does. And in a function that no graph node
 * calls, directly or through other functions, which no session can run: that is where a Keras backbone's saver
 * functions stay when Spinal imports the backbone without its saver nodes. A checkpoint op anywhere else (in the
 * serving function, an init op) is refused like the others; the other listed ops are refused in uncalled
 * functions too (TF2's Python loader can call such a function, and a model that carries one is suspect). Every
 * SavedModel that Spinal exports, and the backbones in {@code saved-models/}, pass.
 *
 * <p>What it does not do: look into the values of string tensors (a file name fed at run time), check that
 * the saver's restore reads the model's own {@code variables/}, or make an accepted model safe; for a model
 * from an unknown source TensorFlow's advice stands: run it in a sandbox.
 */
public final class SavedModelAudit {

  private static final Logger log = LoggerFactory.getLogger(SavedModelAudit.class);

  /** The op list, a resource beside this class. */
  static final String OP_LIST = "refused-ops.txt";
  static final String CHECKPOINT = "checkpoint";
  private static final Map<String, List<Rule>> RULES = readRules();

  private SavedModelAudit() {}

  /** One line of {@value #OP_LIST}: an op type (with an optional string-attribute condition) and why. */
  record Rule(String op, String attr, boolean prefix, String value, String category, String reason) {
    boolean matches(NodeDef node) {
      if (attr == null) {
        return true;
      }
      AttrValue a = node.getAttrMap().get(attr);
      if (a == null || !a.hasS()) {
        return false; // the op's default, which no rule matches
      }
      String s = a.getS().toStringUtf8();
      return prefix ? s.startsWith(value) : !s.equals(value);
    }
  }

  /**
   * One node of a listed op type.
   *
   * @param function the function it sits in, or null for the graph itself
   * @param calledFrom for a function: the call chain from a graph node ({@code graph node 'X' -> f -> g}), or
   *     {@code not called from the graph}; null for a graph node
   */
  public record Finding(String op, String node, String function, String calledFrom, String category,
      String reason) {
    /** {@code node 'N' in the graph}, or {@code node 'N' in function 'F' (called from ...)}. */
    public String where() {
      return function == null ? "node '" + node + "' in the graph"
          : "node '" + node + "' in function '" + function + "' (" + calledFrom + ")";
    }
  }

  /** How often an op type occurs in the graph and in the function library. */
  public record OpCount(int graph, int functions) {
    public int total() {
      return graph + functions;
    }
  }

  /**
   * The audit of one SavedModel.
   *
   * @param ops every op type, by name, with its counts
   * @param refused the nodes that make the model untrusted, in graph then library order
   * @param acceptedCheckpointOps the checkpoint-op nodes accepted: the saver's, or in uncalled functions (see the
   *     class comment)
   */
  public record Report(Path dir, int graphNodes, int functions, int functionNodes, Map<String, OpCount> ops,
      List<Finding> refused, List<Finding> acceptedCheckpointOps) {

    public Report {
      ops = Collections.unmodifiableMap(new TreeMap<>(ops));
      refused = List.copyOf(refused);
      acceptedCheckpointOps = List.copyOf(acceptedCheckpointOps);
    }

    /** True when no op reaches outside the model. */
    public boolean passed() {
      return refused.isEmpty();
    }

    /** The refused op types, sorted. */
    public Set<String> refusedOps() {
      return refused.stream().map(Finding::op).collect(Collectors.toCollection(java.util.TreeSet::new));
    }

    /** One line: what was refused, where, why, and how to accept it knowingly. */
    public String refusal() {
      if (passed()) {
        return dir + ": the audit found no op that reaches outside the model";
      }
      String list = refused.stream().map(f -> f.op() + " at " + f.where() + ": " + f.reason())
          .collect(Collectors.joining("; "));
      return "refused to load the SavedModel in " + dir + ": it holds " + refused.size() + " op"
          + (refused.size() == 1 ? "" : "s") + " that reach outside the model (" + String.join(", ", refusedOps())
          + "): " + list + ". Nothing of it has run. A SavedModel is a program that TensorFlow runs with this"
          + " process's permissions; if you know where this one comes from and accept what these ops do, load it"
          + " with --trust-savedmodel (Java: ModelTrust.TRUSTED). 'spinal inspect --audit " + dir
          + "' prints the whole audit.";
    }

    /** The report {@code spinal inspect --audit} prints: ops by type, refused and accepted nodes, verdict. */
    public String render() {
      StringBuilder b = new StringBuilder();
      b.append("SavedModel audit of ").append(dir).append(" (tag ").append(SavedModelBundle.DEFAULT_TAG)
          .append(")\n");
      b.append(String.format(Locale.ROOT, "graph: %d nodes; function library: %d functions, %d nodes%n",
          graphNodes, functions, functionNodes));
      b.append(String.format(Locale.ROOT, "ops by type (%d types):%n", ops.size()));
      b.append(String.format(Locale.ROOT, "  %-36s %6s %10s%n", "op", "graph", "functions"));
      ops.forEach((op, c) -> b.append(String.format(Locale.ROOT, "  %-36s %6d %10d%s%n", op, c.graph(),
          c.functions(), refusedOps().contains(op) ? "  REFUSED" : "")));
      b.append("refused: ").append(refused.isEmpty() ? "none" : refused.size() + " nodes").append('\n');
      for (Finding f : refused) {
        b.append("  ").append(f.op()).append(" [").append(f.category()).append("] ").append(f.reason())
            .append("\n    at ").append(f.where()).append('\n');
      }
      if (!acceptedCheckpointOps.isEmpty()) {
        b.append("accepted checkpoint ops (the saver_def's save/restore, which the loader runs, or in functions"
            + " nothing calls): ").append(acceptedCheckpointOps.size()).append(" nodes\n");
        for (Finding f : acceptedCheckpointOps) {
          b.append("  ").append(f.op()).append(" at ").append(f.where()).append('\n');
        }
      }
      if (passed()) {
        b.append("verdict: PASSED: no op reaches outside the model; Spinal loads it without "
            + "--trust-savedmodel\n");
      } else {
        b.append("verdict: REFUSED (").append(String.join(", ", refusedOps())).append("): Spinal loads it only"
            + " with --trust-savedmodel (Java: ModelTrust.TRUSTED), which runs these ops with this process's"
            + " permissions\n");
      }
      return b.toString();
    }
  }

  /**
   * Audits the SavedModel in {@code dir} (the folder holding {@code saved_model.pb}) without running anything.
   *
   * @throws IllegalArgumentException when {@code saved_model.pb} is missing, unreadable, not a SavedModel or
   *     has no MetaGraph tagged {@code serve}
   */
  public static Report audit(Path dir) {
    Path file = dir.resolve("saved_model.pb");
    SavedModel model;
    try (InputStream in = Files.newInputStream(file)) {
      model = SavedModel.parseFrom(in);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("not a SavedModel: " + file + " does not exist");
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new IllegalArgumentException(file + " is not a SavedModel protocol buffer: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
    List<List<String>> tags = new ArrayList<>();
    for (MetaGraphDef meta : model.getMetaGraphsList()) {
      // the loader takes the MetaGraph whose tag set is exactly the one asked for
      if (Set.copyOf(meta.getMetaInfoDef().getTagsList()).equals(Set.of(SavedModelBundle.DEFAULT_TAG))) {
        return audit(meta, dir);
      }
      tags.add(meta.getMetaInfoDef().getTagsList());
    }
    throw new IllegalArgumentException(file + " has no MetaGraph tagged '" + SavedModelBundle.DEFAULT_TAG
        + "' (the one Spinal loads); its MetaGraphs are tagged " + tags);
  }

  /**
   * {@link #audit(Path)}, then: a model that passes is returned; one that does not is refused under
   * {@link ModelTrust#AUDITED} and returned with a warning in the log under {@link ModelTrust#TRUSTED}.
   *
   * @throws UntrustedSavedModelException refused under {@code AUDITED}: names each op, node and function
   */
  public static Report check(Path dir, ModelTrust trust) {
    Report report = audit(dir);
    if (!report.passed()) {
      if (trust != ModelTrust.TRUSTED) {
        throw new UntrustedSavedModelException(report);
      }
      log.warn("loading the SavedModel in {} although it holds ops that reach outside the model ({}), as trusted"
          + " (--trust-savedmodel): {}", dir, String.join(", ", report.refusedOps()),
          report.refused().stream().map(f -> f.op() + " at " + f.where()).collect(Collectors.joining("; ")));
    }
    return report;
  }

  /** The audit of one MetaGraph (see the class comment). */
  static Report audit(MetaGraphDef meta, Path dir) {
    List<NodeDef> graph = meta.getGraphDef().getNodeList();
    Map<String, FunctionDef> library = new LinkedHashMap<>();
    for (FunctionDef f : meta.getGraphDef().getLibrary().getFunctionList()) {
      library.put(f.getSignature().getName(), f);
    }
    Map<String, List<String>> gradients = new HashMap<>();
    for (GradientDef g : meta.getGraphDef().getLibrary().getGradientList()) {
      gradients.computeIfAbsent(g.getFunctionName(), k -> new ArrayList<>()).add(g.getGradientFunc());
    }
    Calls calls = new Calls(library, gradients);
    Map<String, NodeDef> byName = new HashMap<>();
    for (NodeDef n : graph) {
      byName.put(n.getName(), n);
    }

    // the saver's part of the graph, and what the rest of the graph reaches (see the class comment)
    Set<String> saverNodes = new HashSet<>();
    if (meta.hasSaverDef()) {
      SaverDef saver = meta.getSaverDef();
      saverNodes = inputClosure(byName, List.of(nodeName(saver.getRestoreOpName()),
          nodeName(saver.getSaveTensorName())));
    }
    List<String> others = new ArrayList<>();
    for (NodeDef n : graph) {
      if (!saverNodes.contains(n.getName())) {
        others.add(n.getName());
      }
    }
    Set<String> otherNodes = inputClosure(byName, others);
    Set<String> saverFunctions = calls.reachedFrom(nodes(byName, saverNodes));
    Set<String> otherFunctions = calls.reachedFrom(nodes(byName, otherNodes));
    Map<String, String> chains = calls.chains(graph);

    Map<String, int[]> counts = new TreeMap<>();
    List<Finding> refused = new ArrayList<>();
    List<Finding> accepted = new ArrayList<>();
    for (NodeDef n : graph) {
      counts.computeIfAbsent(n.getOp(), k -> new int[2])[0]++;
      Rule rule = rule(n);
      if (rule != null) {
        Finding f = new Finding(n.getOp(), n.getName(), null, null, rule.category(), rule.reason());
        boolean own = rule.category().equals(CHECKPOINT) && saverNodes.contains(n.getName())
            && !otherNodes.contains(n.getName());
        (own ? accepted : refused).add(f);
      }
    }
    int functionNodes = 0;
    for (FunctionDef fn : library.values()) {
      String name = fn.getSignature().getName();
      // the saver's alone, or called by nothing: no session runs it otherwise (see the class comment)
      boolean checkpointsAllowed = saverFunctions.contains(name) && !otherFunctions.contains(name)
          || !chains.containsKey(name);
      for (NodeDef n : fn.getNodeDefList()) {
        functionNodes++;
        counts.computeIfAbsent(n.getOp(), k -> new int[2])[1]++;
        Rule rule = rule(n);
        if (rule != null) {
          Finding f = new Finding(n.getOp(), n.getName(), name,
              chains.getOrDefault(name, "not called from the graph"), rule.category(), rule.reason());
          (rule.category().equals(CHECKPOINT) && checkpointsAllowed ? accepted : refused).add(f);
        }
      }
    }
    Map<String, OpCount> ops = new TreeMap<>();
    counts.forEach((op, c) -> ops.put(op, new OpCount(c[0], c[1])));
    return new Report(dir, graph.size(), library.size(), functionNodes, ops, refused, accepted);
  }

  /** The first rule of the list that {@code node} matches, or null. */
  private static Rule rule(NodeDef node) {
    for (Rule r : RULES.getOrDefault(node.getOp(), List.of())) {
      if (r.matches(node)) {
        return r;
      }
    }
    return null;
  }

  /** The rules of {@value #OP_LIST}, by op type. */
  static Map<String, List<Rule>> rules() {
    return RULES;
  }

  private static Map<String, List<Rule>> readRules() {
    Map<String, List<Rule>> rules = new LinkedHashMap<>();
    InputStream in = SavedModelAudit.class.getResourceAsStream(OP_LIST);
    if (in == null) {
      throw new IllegalStateException(OP_LIST + " is missing beside " + SavedModelAudit.class.getName()
          + " (a broken build)");
    }
    try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line;
      int number = 0;
      while ((line = r.readLine()) != null) {
        number++;
        line = line.strip();
        if (line.isEmpty() || line.startsWith("#")) {
          continue;
        }
        String[] parts = line.split("\\s+", 3);
        if (parts.length < 3 || !Set.of("file", "network", "code", CHECKPOINT).contains(parts[1])) {
          throw new IllegalStateException(OP_LIST + " line " + number + ": expected OP_TYPE[CONDITION] CATEGORY"
              + " reason, CATEGORY one of file, network, code, checkpoint; got '" + line + "'");
        }
        String op = parts[0];
        String attr = null;
        String value = null;
        boolean prefix = false;
        int bracket = op.indexOf('[');
        if (bracket >= 0) {
          String condition = op.substring(bracket + 1, op.length() - 1);
          op = op.substring(0, bracket);
          int at = condition.contains("^=") ? condition.indexOf("^=") : condition.indexOf("!=");
          if (!op.isEmpty() && at > 0 && parts[0].endsWith("]")) {
            prefix = condition.startsWith("^=", at);
            attr = condition.substring(0, at);
            value = condition.substring(at + 2);
          } else {
            throw new IllegalStateException(OP_LIST + " line " + number + ": expected a condition"
                + " [ATTR^=PREFIX] or [ATTR!=VALUE], got '" + parts[0] + "'");
          }
        }
        rules.computeIfAbsent(op, k -> new ArrayList<>()).add(new Rule(op, attr, prefix, value, parts[1], parts[2]));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + OP_LIST + ": " + e.getMessage(), e);
    }
    return Collections.unmodifiableMap(rules);
  }

  /** The graph nodes {@code start} reach through their (data and control) inputs, {@code start} included. */
  private static Set<String> inputClosure(Map<String, NodeDef> byName, Collection<String> start) {
    Set<String> seen = new HashSet<>();
    Deque<String> todo = new ArrayDeque<>(start);
    while (!todo.isEmpty()) {
      String name = todo.pop();
      NodeDef n = byName.get(name);
      if (n != null && seen.add(name)) {
        for (String input : n.getInputList()) {
          todo.push(nodeName(input));
        }
      }
    }
    return seen;
  }

  private static List<NodeDef> nodes(Map<String, NodeDef> byName, Set<String> names) {
    List<NodeDef> out = new ArrayList<>();
    for (String name : names) {
      out.add(byName.get(name));
    }
    return out;
  }

  /** {@code ^name}, {@code name:1} -> {@code name}. */
  static String nodeName(String tensor) {
    String n = tensor.startsWith("^") ? tensor.substring(1) : tensor;
    int colon = n.indexOf(':');
    return colon < 0 ? n : n.substring(0, colon);
  }

  /** Which library functions a node calls: its op type, its function-valued attributes, their gradients. */
  private record Calls(Map<String, FunctionDef> library, Map<String, List<String>> gradients) {

    List<String> of(NodeDef node) {
      List<String> out = new ArrayList<>();
      add(node.getOp(), out);
      for (AttrValue a : node.getAttrMap().values()) {
        attr(a, out);
      }
      return out;
    }

    private void attr(AttrValue a, List<String> out) {
      if (a.hasFunc()) {
        func(a.getFunc(), out);
      }
      if (a.hasList()) {
        for (NameAttrList f : a.getList().getFuncList()) {
          func(f, out);
        }
      }
    }

    private void func(NameAttrList f, List<String> out) {
      add(f.getName(), out);
      for (AttrValue nested : f.getAttrMap().values()) {
        attr(nested, out);
      }
    }

    private void add(String name, List<String> out) {
      if (library.containsKey(name)) {
        out.add(name);
        out.addAll(gradients.getOrDefault(name, List.of()));
      }
    }

    /** The functions {@code nodes} call, directly or through other functions. */
    Set<String> reachedFrom(Collection<NodeDef> nodes) {
      Set<String> seen = new HashSet<>();
      Deque<String> todo = new ArrayDeque<>();
      for (NodeDef n : nodes) {
        todo.addAll(of(n));
      }
      while (!todo.isEmpty()) {
        String f = todo.pop();
        if (seen.add(f)) {
          for (NodeDef n : library.get(f).getNodeDefList()) {
            todo.addAll(of(n));
          }
        }
      }
      return seen;
    }

    /** For each function the graph calls: the shortest call chain from a graph node, as text. */
    Map<String, String> chains(List<NodeDef> graph) {
      Map<String, String> chain = new HashMap<>();
      Deque<String> todo = new ArrayDeque<>();
      for (NodeDef n : graph) {
        for (String f : of(n)) {
          if (!chain.containsKey(f)) {
            chain.put(f, "graph node '" + n.getName() + "' -> " + f);
            todo.add(f);
          }
        }
      }
      while (!todo.isEmpty()) {
        String f = todo.poll();
        for (NodeDef n : library.get(f).getNodeDefList()) {
          for (String g : of(n)) {
            if (!chain.containsKey(g)) {
              chain.put(g, chain.get(f) + " -> " + g);
              todo.add(g);
            }
          }
        }
      }
      chain.replaceAll((f, text) -> "called from " + text);
      return chain;
    }
  }
}
