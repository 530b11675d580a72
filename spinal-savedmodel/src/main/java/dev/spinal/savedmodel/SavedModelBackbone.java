package dev.spinal.savedmodel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spinal.core.GraphContext;
import dev.spinal.core.backbones.Backbone;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.image.ResizeBilinear;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.proto.TensorShapeProto;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.family.TFloating;

/**
 * A Keras backbone exported by {@code saved-models/export_backbone.py}: a SavedModel folder with a
 * {@code serving_default} signature from {@code images} float32 {@code [-1, h, w, c]} to
 * {@code features} float32 {@code [-1, D]}, and a {@code backbone.json} beside it.
 *
 * <p>Spinal's images are {@code [batch, H, W, C]} pixels / 255 (the dataset's size). This backbone
 * takes those and applies what the backbone expects, in the graph: back to 0..255, gray to RGB (or
 * RGB to gray), a bilinear resize to {@code h x w} (half-pixel centers, as {@code tf.image.resize}),
 * the channel order and {@code (pixel - mean) / std} of {@code backbone.json}'s {@code preprocessing}.
 *
 * <p>How it gets into a graph: TF Java's {@code Graph.importGraphDef} has no input mapping, so the
 * SavedModel's input placeholder cannot be rewired to an existing tensor. Instead the preprocessing
 * is built in a scratch graph, its nodes are merged into the backbone's GraphDef (the backbone's
 * input placeholder becomes an {@code Identity} of the preprocessed images), and the merged GraphDef,
 * pruned to what the features need, is imported under {@value #PREFIX}{@code /}. The imported
 * {@code [-1, H, W, C]} placeholder is the model's image input: {@link #createInput} returns it, and
 * {@link #build} accepts only it. The weights, read from the SavedModel once at {@link #load}, are
 * copied in by {@link #initialize} after the session's initializers ran.
 *
 * <p>Fine-tuning works on both formats. A {@code graph} export's {@code VariableV2}s are trained as
 * they are. A {@code tf2} export (Keras' own, or {@code tf.saved_model.save}) is made trainable at
 * {@link #load}: its function calls are inlined ({@link FunctionInliner}) and its resource variables
 * become {@code VariableV2}s ({@link RefVariables}); TF Java 1.1 cannot differentiate the call with
 * respect to the variables it captures. {@link FineTune} says which weights are trained.
 */
public final class SavedModelBackbone implements Backbone {

  /** Name scope of the imported backbone in a graph. */
  public static final String PREFIX = "savedmodel";
  static final String PRE = "spinal_preprocess";
  static final String RESTORE = "spinal_restore";

  private final Path dir;
  private final String format;
  private final Shape imageShape;
  private final Shape modelInput;
  private final long featureSize;
  private final String inputNode;
  private final String featureTensor;
  private final float[] mean;
  private final float[] std;
  private final boolean bgr;
  private final GraphDef pruned;
  private final Map<String, WeightValue> weights;
  private final FineTune fineTune;
  /** Node names of the weights that are trained. */
  private final Set<String> trained;
  private final long trainableParameters;

  /** A variable's value read from the SavedModel. */
  record WeightValue(String op, Shape shape, float[] values) {}

  private SavedModelBackbone(Path dir, String format, Shape imageShape, Shape modelInput, long featureSize,
      String inputNode, String featureTensor, float[] mean, float[] std, boolean bgr, GraphDef pruned,
      Map<String, WeightValue> weights, FineTune fineTune, Set<String> trained, long trainableParameters) {
    this.dir = dir;
    this.format = format;
    this.imageShape = imageShape;
    this.modelInput = modelInput;
    this.featureSize = featureSize;
    this.inputNode = inputNode;
    this.featureTensor = featureTensor;
    this.mean = mean;
    this.std = std;
    this.bgr = bgr;
    this.pruned = pruned;
    this.weights = weights;
    this.fineTune = fineTune;
    this.trained = trained;
    this.trainableParameters = trainableParameters;
  }

  /** True when {@code name} looks like a backbone folder rather than a built-in backbone's name. */
  public static boolean isSavedModelFolder(Path dir) {
    return Files.isDirectory(dir)
        && (Files.isRegularFile(dir.resolve("saved_model.pb")) || Files.isRegularFile(dir.resolve("backbone.json")));
  }

  /**
   * Loads the backbone in {@code dir}, audited ({@link ModelTrust#AUDITED}), fine-tuning its weights
   * ({@link FineTune#WEIGHTS}) or frozen.
   */
  public static SavedModelBackbone load(Path dir, int height, int width, int channels, boolean trainable) {
    return load(dir, height, width, channels, FineTune.of(trainable, false), ModelTrust.AUDITED);
  }

  /** Loads the backbone in {@code dir}, audited ({@link ModelTrust#AUDITED}). */
  public static SavedModelBackbone load(Path dir, int height, int width, int channels, FineTune fineTune) {
    return load(dir, height, width, channels, fineTune, ModelTrust.AUDITED);
  }

  /**
   * Loads the backbone in {@code dir} for images of {@code height x width x channels}. Its graph is audited
   * before anything of it runs ({@link SavedModelAudit#check}).
   *
   * @param fineTune which of the backbone's weights become trainable variables of the graphs it is
   *     imported into
   * @param trust {@link ModelTrust#TRUSTED} loads it even when the audit finds ops that reach outside the model
   * @throws UntrustedSavedModelException refused by the audit under {@link ModelTrust#AUDITED}
   * @throws IllegalArgumentException naming the file, field or shape that is wrong
   */
  public static SavedModelBackbone load(Path dir, int height, int width, int channels, FineTune fineTune,
      ModelTrust trust) {
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException("backbone folder " + dir.toAbsolutePath() + " does not exist");
    }
    if (!Files.isRegularFile(dir.resolve("saved_model.pb"))) {
      throw new IllegalArgumentException("not a SavedModel: " + dir + " has no saved_model.pb (found: "
          + listing(dir) + ")");
    }
    if (!Files.isDirectory(dir.resolve("variables"))) {
      throw new IllegalArgumentException("incomplete SavedModel: " + dir + " has no variables/ folder (found: "
          + listing(dir) + "); copy the whole export folder, variables/ included");
    }
    SavedModelAudit.check(dir, trust); // before SavedModelBundle.load runs its restore and init ops
    Path jsonFile = dir.resolve("backbone.json");
    if (!Files.isRegularFile(jsonFile)) {
      throw new IllegalArgumentException(dir + " has no backbone.json (input size, preprocessing, feature size);"
          + " export the backbone with saved-models/export_backbone.py, which writes it");
    }
    JsonNode json;
    try {
      json = new ObjectMapper().readTree(jsonFile.toFile());
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + jsonFile + ": " + e.getMessage(), e);
    }
    if (!json.isObject()) {
      throw new IllegalArgumentException(jsonFile + ": expected a JSON object (input_size, feature_size,"
          + " preprocessing, ...), found " + (json.isMissingNode() ? "an empty file" : json.getNodeType()));
    }
    String format = text(json, "saved_model_format", "", jsonFile, "tf2");
    if (!format.equals("tf2") && !format.equals("graph")) {
      throw new IllegalArgumentException(jsonFile + ": saved_model_format must be 'tf2' or 'graph', got '"
          + format + "'");
    }
    String signatureKey = text(json, "signature", "", jsonFile, "serving_default");
    String[] tags = {SavedModelBundle.DEFAULT_TAG};
    try (SavedModelBundle bundle = SavedModelBundle.load(dir.toString(), tags)) {
      Map<String, SignatureDef> signatures = bundle.metaGraphDef().getSignatureDefMap();
      SignatureDef sig = signatures.get(signatureKey);
      if (sig == null || sig.getInputsCount() != 1 || sig.getOutputsCount() != 1) {
        throw new IllegalArgumentException("no usable signature in " + dir + ": expected '" + signatureKey
            + "' (backbone.json 'signature') with one input (float32 [-1, H, W, C]) and one output (float32"
            + " [-1, D]); found " + describe(signatures));
      }
      var inputEntry = sig.getInputsMap().entrySet().iterator().next();
      var outputEntry = sig.getOutputsMap().entrySet().iterator().next();
      TensorInfo in = inputEntry.getValue();
      TensorInfo out = outputEntry.getValue();
      long[] inDims = dims(in);
      if (in.getDtype() != DataType.DT_FLOAT || inDims == null || inDims.length != 4 || inDims[1] <= 0
          || inDims[2] <= 0 || inDims[3] <= 0) {
        throw new IllegalArgumentException(dir + ": signature '" + signatureKey + "' input '" + inputEntry.getKey()
            + "' is " + in.getDtype() + " " + shapeText(inDims) + "; Spinal can feed only DT_FLOAT images of"
            + " rank 4 [-1, H, W, C] with static H, W, C");
      }
      long[] outDims = dims(out);
      if (out.getDtype() != DataType.DT_FLOAT || outDims == null || outDims.length != 2 || outDims[1] <= 0) {
        throw new IllegalArgumentException(dir + ": signature '" + signatureKey + "' output '"
            + outputEntry.getKey() + "' is " + out.getDtype() + " " + shapeText(outDims)
            + "; a backbone must give DT_FLOAT features [-1, D] with static D (pool 4-D maps in the exporter:"
            + " --pooling avg)");
      }
      JsonNode size = json.path("input_size");
      long[] jsonInput = {integer(size, "height", "input_size.", jsonFile),
          integer(size, "width", "input_size.", jsonFile), integer(size, "channels", "input_size.", jsonFile)};
      if (jsonInput[0] != inDims[1] || jsonInput[1] != inDims[2] || jsonInput[2] != inDims[3]) {
        throw new IllegalArgumentException(jsonFile + ": input_size " + shapeText(jsonInput)
            + " disagrees with the SavedModel's input " + shapeText(inDims));
      }
      long featureSize = integer(json, "feature_size", "", jsonFile);
      if (featureSize != outDims[1]) {
        throw new IllegalArgumentException(jsonFile + ": feature_size " + featureSize
            + " does not fit the SavedModel's output " + shapeText(outDims) + ": a head sized from feature_size"
            + " would not fit the features; re-export the backbone");
      }
      if (channels != inDims[3] && !(channels == 1 && inDims[3] == 3) && !(channels == 3 && inDims[3] == 1)) {
        throw new IllegalArgumentException(dir + " takes " + inDims[3] + "-channel images; cannot convert the"
            + " dataset's " + channels + "-channel images (only gray <-> RGB)");
      }
      JsonNode pre = json.path("preprocessing");
      float[] mean = floats(pre.path("mean"), (int) inDims[3], jsonFile, "preprocessing.mean");
      float[] std = floats(pre.path("std"), (int) inDims[3], jsonFile, "preprocessing.std");
      for (float s : std) {
        if (!(s > 0)) {
          throw new IllegalArgumentException(jsonFile + ": preprocessing.std must be > 0, got " + s);
        }
      }
      String order = text(pre, "channel_order", "preprocessing.", jsonFile, "RGB");
      if (!List.of("RGB", "BGR", "GRAY", "AS-IS").contains(order.toUpperCase(Locale.ROOT))) {
        throw new IllegalArgumentException(jsonFile + ": preprocessing.channel_order must be RGB, BGR, gray or"
            + " as-is, got '" + order + "'");
      }
      boolean bgr = order.equalsIgnoreCase("BGR");

      String inputNode = nodeName(in.getName());
      String featureTensor = out.getName().contains(":") ? out.getName() : out.getName() + ":0";
      GraphDef full = bundle.graph().toGraphDef();
      boolean inline = fineTune.trainsAnything() && !format.equals("graph");
      if (inline) {
        FunctionInliner.Inlined flat = FunctionInliner.inline(full, dir);
        full = flat.graph();
        featureTensor = flat.tensor(featureTensor);
      }
      GraphDef pruned = prune(full, nodeName(featureTensor), inputNode, dir);
      Map<String, WeightValue> weights = readWeights(bundle, pruned, dir);
      if (inline) {
        pruned = RefVariables.convert(pruned, dir);
        weights.replaceAll((name, w) -> new WeightValue("VariableV2", w.shape(), w.values()));
      }
      Set<String> trained = trainedWeights(bundle, pruned, weights, fineTune);
      long trainableParams = json.path("parameters").path("trainable").asLong(0);
      if (fineTune.trainsAnything()) {
        if (trained.isEmpty()) {
          throw new IllegalArgumentException("cannot fine-tune " + dir + ": none of its " + weights.size()
              + " weights is trainable with " + fineTune);
        }
        trainableParams = trained.stream().mapToLong(n -> weights.get(n).shape().size()).sum();
      }
      return new SavedModelBackbone(dir, format, Shape.of(height, width, channels),
          Shape.of(inDims[1], inDims[2], inDims[3]), featureSize, inputNode, featureTensor, mean, std, bgr, pruned,
          weights, fineTune, trained, trainableParams);
    }
  }

  /**
   * The weights {@code fineTune} trains. Keras' own trainable flag comes from the SavedModel's object
   * graph for a {@code tf2} export (batch norm's moving statistics are not trainable there); a
   * {@code graph} export holds only Keras-trainable weights as variables (the rest are constants).
   */
  private static Set<String> trainedWeights(SavedModelBundle bundle, GraphDef pruned,
      Map<String, WeightValue> weights, FineTune fineTune) {
    Map<String, Boolean> kerasTrainable = new HashMap<>();
    for (var node : bundle.metaGraphDef().getObjectGraphDef().getNodesList()) {
      if (node.hasVariable()) {
        kerasTrainable.put(node.getVariable().getName(), node.getVariable().getTrainable());
      }
    }
    Map<String, String> sharedNames = new HashMap<>();
    for (NodeDef n : pruned.getNodeList()) {
      String shared = n.getAttrOrDefault("shared_name", AttrValue.getDefaultInstance()).getS().toStringUtf8();
      sharedNames.put(n.getName(), shared.isEmpty() ? n.getName() : shared);
    }
    Set<String> trained = new HashSet<>();
    for (String name : weights.keySet()) {
      String variable = sharedNames.getOrDefault(name, name);
      if (fineTune.trains(variable, kerasTrainable.getOrDefault(variable, true))) {
        trained.add(name);
      }
    }
    return trained;
  }

  private static String listing(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName() + (Files.isDirectory(p) ? "/" : "")).sorted()
          .collect(Collectors.joining(", "));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String describe(Map<String, SignatureDef> signatures) {
    if (signatures.isEmpty()) {
      return "no signatures";
    }
    return signatures.entrySet().stream()
        .map(e -> "'" + e.getKey() + "' (inputs " + e.getValue().getInputsMap().keySet() + ", outputs "
            + e.getValue().getOutputsMap().keySet() + ")")
        .collect(Collectors.joining(", "));
  }

  /** A string field ({@code fallback} when absent or null); another type is refused, not read as its text. */
  private static String text(JsonNode json, String field, String parent, Path file, String fallback) {
    JsonNode n = json.get(field);
    if (n == null || n.isNull()) {
      return fallback;
    }
    if (!n.isTextual()) {
      throw new IllegalArgumentException(file + ": " + parent + field + " must be a string, got " + n);
    }
    return n.asText();
  }

  /** An integer field, -1 when absent (which no model's size matches); another type is refused, not coerced. */
  private static long integer(JsonNode json, String field, String parent, Path file) {
    JsonNode n = json.path(field);
    if (n.isMissingNode()) {
      return -1;
    }
    if (!n.isIntegralNumber()) {
      throw new IllegalArgumentException(file + ": " + parent + field + " must be an integer, got " + n);
    }
    return n.asLong();
  }

  /** A list of 1 or {@code channels} finite numbers: anything else is refused, not read as 0 or NaN. */
  private static float[] floats(JsonNode node, int channels, Path file, String field) {
    if (!node.isArray() || (node.size() != channels && node.size() != 1)) {
      throw new IllegalArgumentException(file + ": " + field + " must be a list of 1 or " + channels
          + " numbers, got " + node);
    }
    float[] out = new float[channels];
    for (int c = 0; c < channels; c++) {
      JsonNode v = node.get(node.size() == 1 ? 0 : c);
      out[c] = (float) v.asDouble();
      if (!v.isNumber() || !Float.isFinite(out[c])) {
        throw new IllegalArgumentException(file + ": " + field + " must be a list of finite numbers, got " + node);
      }
    }
    return out;
  }

  private static long[] dims(TensorInfo info) {
    TensorShapeProto shape = info.getTensorShape();
    if (shape.getUnknownRank()) {
      return null;
    }
    return shape.getDimList().stream().mapToLong(TensorShapeProto.Dim::getSize).toArray();
  }

  private static String shapeText(long[] dims) {
    if (dims == null) {
      return "(unknown rank)";
    }
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < dims.length; i++) {
      b.append(i == 0 ? "" : ", ").append(dims[i]);
    }
    return b.append(']').toString();
  }

  private static String nodeName(String tensor) {
    String n = tensor.startsWith("^") ? tensor.substring(1) : tensor;
    int colon = n.indexOf(':');
    return colon < 0 ? n : n.substring(0, colon);
  }

  /** The nodes {@code output} depends on (data and control inputs), in the original order. */
  static GraphDef prune(GraphDef full, String output, String inputNode, Path dir) {
    Map<String, NodeDef> byName = new HashMap<>();
    for (NodeDef n : full.getNodeList()) {
      byName.put(n.getName(), n);
    }
    if (!byName.containsKey(output) || !byName.containsKey(inputNode)) {
      throw new IllegalArgumentException(dir + ": the signature names nodes '" + inputNode + "' and '" + output
          + "', which are not both in the graph");
    }
    Set<String> keep = new HashSet<>();
    Deque<String> todo = new ArrayDeque<>(List.of(output));
    while (!todo.isEmpty()) {
      String name = todo.pop();
      if (keep.add(name)) {
        for (String input : byName.get(name).getInputList()) {
          todo.push(nodeName(input));
        }
      }
    }
    if (!keep.contains(inputNode)) {
      throw new IllegalArgumentException(dir + ": the features '" + output + "' do not depend on the input '"
          + inputNode + "'");
    }
    GraphDef.Builder b = full.toBuilder().clearNode();
    for (NodeDef n : full.getNodeList()) {
      if (keep.contains(n.getName())) {
        b.addNode(n);
      }
    }
    return b.build();
  }

  /** Reads every variable the pruned graph holds, float32 only. */
  private static Map<String, WeightValue> readWeights(SavedModelBundle bundle, GraphDef pruned, Path dir) {
    List<NodeDef> vars = pruned.getNodeList().stream()
        .filter(n -> n.getOp().equals("VariableV2") || n.getOp().equals("VarHandleOp")
            || n.getOp().equals("Variable"))
        .toList();
    Map<String, WeightValue> out = new LinkedHashMap<>();
    if (vars.isEmpty()) {
      return out;
    }
    Graph graph = bundle.graph();
    Ops tf = Ops.create(graph);
    Session.Runner runner = bundle.session().runner();
    for (int i = 0; i < vars.size(); i++) {
      NodeDef n = vars.get(i);
      AttrValue dtype = n.getAttrOrDefault("dtype", AttrValue.getDefaultInstance());
      if (dtype.getType() != DataType.DT_FLOAT) {
        throw new IllegalArgumentException(dir + ": variable '" + n.getName() + "' is " + dtype.getType()
            + "; Spinal copies only DT_FLOAT weights");
      }
      GraphOperation op = graph.operationOrThrow(n.getName());
      if (n.getOp().equals("VarHandleOp")) {
        // a read op added to the loaded graph only (not to the pruned GraphDef that gets imported)
        runner.fetch(tf.withName("spinal_read_" + i).readVariableOp(op.output(0), TFloat32.class));
      } else {
        runner.fetch(op.output(0));
      }
    }
    try (Result r = runner.run()) {
      for (int i = 0; i < vars.size(); i++) {
        TFloat32 t = (TFloat32) r.get(i);
        float[] values = new float[(int) t.shape().size()];
        t.asRawTensor().data().asFloats().read(values);
        out.put(vars.get(i).getName(), new WeightValue(vars.get(i).getOp(), t.shape(), values));
      }
    }
    return out;
  }

  /**
   * @param savedModelInit for an export: the op a SavedModel loader must run after restoring
   *     variables (assigns the resource variables' values), or null when there are none
   */
  public record Imported(Placeholder<TFloat32> images, Operand<TFloat32> features,
      org.tensorflow.op.Op savedModelInit) {}

  /**
   * Imports preprocessing + backbone into {@code ctx}'s graph under {@value #PREFIX}/: returns the
   * image input ({@code [-1, H, W, C]} float32, pixels / 255) and the features {@code [-1, D]}.
   * When trainable, the backbone's {@code VariableV2}s are added to {@code ctx}'s trainable variables.
   * Call {@link #restoreWeights} once the session is initialized. Once per graph.
   */
  Imported importInto(GraphContext ctx) {
    Graph graph = (Graph) ctx.tf().scope().env();
    if (graph.operation(PREFIX + "/" + inputNode) != null) {
      throw new IllegalStateException("a SavedModel backbone is already imported into this graph");
    }
    graph.importGraphDef(merged(), PREFIX);
    Placeholder<TFloat32> images = new Placeholder<>(graph.operationOrThrow(PREFIX + "/" + PRE + "/images"));
    @SuppressWarnings("unchecked")
    Output<TFloat32> features = (Output<TFloat32>) graph.outputOrThrow(PREFIX + "/" + featureTensor);
    // assign ops fed by restoreWeights, named so that restoreWeights finds them by name
    Ops tf = Ops.create(graph).withSubScope(RESTORE);
    int i = 0;
    List<org.tensorflow.op.Op> resourceInits = new ArrayList<>();
    for (Map.Entry<String, WeightValue> w : weights.entrySet()) {
      GraphOperation op = graph.operationOrThrow(PREFIX + "/" + w.getKey());
      // ops named w<i>_..., not one sub-scope per weight: TF Java's withSubScope walks the whole graph
      String prefix = "w" + i++ + "_";
      if (w.getValue().op().equals("VarHandleOp")) {
        // TF Java's saver (and so its SavedModel exporter) saves only VariableV2: a resource variable
        // would be missing from an export. Its value goes into the graph as a constant instead, assigned
        // by the saved_model_init op: restoreWeights runs it, and an export names it as the SavedModel's
        // init op, which every loader runs. (Not TF Java's init scope: a non-init op's control
        // dependencies on init ops are dropped.)
        resourceInits.add(tf.withName(prefix + "init").assignVariableOp(op.output(0), tf.withName(prefix + "value")
            .constant(w.getValue().shape(), DataBuffers.of(w.getValue().values(), true, false))));
      } else {
        Placeholder<TFloat32> value =
            tf.withName(prefix + "value").placeholder(TFloat32.class, Placeholder.shape(w.getValue().shape()));
        Variable<TFloat32> v = new Variable<>(op);
        tf.withName(prefix + "assign").assign(v, value);
        if (trained.contains(w.getKey())) {
          ctx.addTrainable(v);
        }
      }
    }
    // TF Java's exporter writes no init op, and its loader (like TF Serving's and Python's) runs only
    // the one named by the __saved_model_init_op signature: this op, which depends on the resource
    // variables' assignments alone (not on the head's initializers, which would undo the restore).
    org.tensorflow.op.Op savedModelInit = resourceInits.isEmpty() ? null
        : tf.withControlDependencies(resourceInits).withName("saved_model_init").noOp();
    if (savedModelInit != null) {
      ctx.addLoaderInit(savedModelInit);
    }
    return new Imported(images, features, savedModelInit);
  }

  /**
   * Imports preprocessing + backbone (see the class comment) and returns its image input,
   * {@code [-1, H, W, C]} float32, pixels / 255. The name is fixed by the import ({@value #PREFIX}/...):
   * {@code name} is not used. Once per graph.
   */
  @Override
  public Placeholder<TFloat32> createInput(GraphContext ctx, String name) {
    return importInto(ctx).images();
  }

  /** True: the backbone applies backbone.json's preprocessing itself. */
  @Override
  public boolean preprocessesItself() {
    return true;
  }

  /** True unless loaded for fine-tuning. */
  @Override
  public boolean frozen() {
    return !fineTune.trainsAnything();
  }

  /** Copies the SavedModel's weights in ({@link #restoreWeights}). */
  @Override
  public void initialize(Session session) {
    restoreWeights(session);
  }

  /**
   * Copies the SavedModel's weights into the backbone imported into {@code session}'s graph (after
   * {@code session.initialize()}; a checkpoint restored afterwards overrides them).
   */
  public void restoreWeights(Session session) {
    if (weights.isEmpty()) {
      return;
    }
    List<TFloat32> tensors = new ArrayList<>();
    try {
      Session.Runner runner = session.runner();
      if (weights.values().stream().anyMatch(w -> w.op().equals("VarHandleOp"))) {
        runner.addTarget(RESTORE + "/saved_model_init");
      }
      int i = 0;
      for (WeightValue w : weights.values()) {
        if (w.op().equals("VarHandleOp")) {
          i++;
          continue; // assigned by saved_model_init
        }
        TFloat32 t = TFloat32.tensorOf(w.shape(), DataBuffers.of(w.values(), true, false));
        tensors.add(t);
        String prefix = RESTORE + "/w" + i++ + "_";
        runner.feed(prefix + "value", t).addTarget(prefix + "assign");
      }
      runner.run();
    } finally {
      tensors.forEach(TFloat32::close);
    }
  }

  /**
   * The features of {@code images}, which must be the input {@link #importInto} returned (the
   * backbone cannot be attached to another tensor: see the class comment).
   */
  @Override
  @SuppressWarnings("unchecked")
  public <T extends TFloating> Operand<T> build(GraphContext ctx, Operand<T> images) {
    checkImages(images);
    if (!images.op().name().equals(PREFIX + "/" + PRE + "/images")) {
      throw new IllegalArgumentException(name() + " reads its own image input: call createInput(ctx, name) and pass"
          + " the images it returns (got " + images.op().name() + ")");
    }
    Graph graph = (Graph) images.op().env();
    return (Operand<T>) graph.outputOrThrow(PREFIX + "/" + featureTensor);
  }

  @Override
  public Shape imageShape() {
    return imageShape;
  }

  /**
   * The features' tensor name in a graph this backbone was imported into, and so in that graph's
   * exports ({@value #PREFIX}{@code /...}); fine-tuning a {@code tf2} export renames it (inlining).
   */
  public String featureTensorName() {
    return PREFIX + "/" + featureTensor;
  }

  /** {@code [h, w, c]} of the SavedModel's own input. */
  public Shape modelInputShape() {
    return modelInput;
  }

  @Override
  public long featureSize() {
    return featureSize;
  }

  /**
   * Trainable parameters: those fine-tuning trains, or when frozen, Keras' count (backbone.json).
   */
  @Override
  public long parameterCount() {
    return trainableParameters;
  }

  /** Not known for a loaded graph: 0. */
  @Override
  public long flopsPerExample() {
    return 0;
  }

  @Override
  public String name() {
    return "savedmodel:" + dir.getFileName();
  }

  public Path dir() {
    return dir;
  }

  /** {@code tf2} or {@code graph}. */
  public String format() {
    return format;
  }

  /** Whether some of the backbone's variables are trained (fine-tuning). */
  public boolean trainable() {
    return fineTune.trainsAnything();
  }

  /** Which weights are trained. */
  public FineTune fineTune() {
    return fineTune;
  }

  /** Node names (in the SavedModel's graph) of the weights that are trained. */
  public Set<String> trainedWeights() {
    return Set.copyOf(trained);
  }

  /** Number of weight tensors copied from the SavedModel. */
  public int weightCount() {
    return weights.size();
  }

  /** The backbone's GraphDef with the preprocessing in front of it (see the class comment). */
  GraphDef merged() {
    GraphDef pre;
    try (Graph scratch = new Graph()) {
      Ops tf = Ops.create(scratch).withSubScope(PRE);
      Placeholder<TFloat32> images = tf.withName("images").placeholder(TFloat32.class,
          Placeholder.shape(Shape.of(-1, imageShape.get(0), imageShape.get(1), imageShape.get(2))));
      Operand<TFloat32> x = tf.math.mul(images, tf.constant(255f));
      long c = imageShape.get(2);
      long want = modelInput.get(2);
      if (c == 1 && want == 3) {
        x = tf.concat(List.of(x, x, x), tf.constant(3));
      } else if (c == 3 && want == 1) {
        x = tf.reduceSum(tf.math.mul(x, tf.constant(new float[] {0.299f, 0.587f, 0.114f})), tf.constant(3),
            org.tensorflow.op.core.ReduceSum.keepDims(true));
      }
      if (imageShape.get(0) != modelInput.get(0) || imageShape.get(1) != modelInput.get(1)) {
        x = tf.image.resizeBilinear(x, tf.constant(new int[] {(int) modelInput.get(0), (int) modelInput.get(1)}),
            ResizeBilinear.halfPixelCenters(true));
      }
      if (bgr) {
        x = tf.gather(x, tf.constant(new int[] {2, 1, 0}), tf.constant(3));
      }
      float[] inverse = new float[std.length];
      for (int i = 0; i < std.length; i++) {
        inverse[i] = 1f / std[i];
      }
      x = tf.math.mul(tf.math.sub(x, tf.constant(mean)), tf.constant(inverse));
      tf.withName("output").identity(x);
      pre = scratch.toGraphDef();
    }
    GraphDef.Builder merged = pruned.toBuilder().clearNode();
    Set<String> names = new HashSet<>();
    for (NodeDef n : pruned.getNodeList()) {
      if (!n.getName().equals(inputNode)) {
        merged.addNode(n);
        names.add(n.getName());
      }
    }
    for (NodeDef n : pre.getNodeList()) {
      if (!names.add(n.getName())) {
        throw new IllegalStateException(dir + ": the backbone graph already has a node named " + n.getName());
      }
      merged.addNode(n);
    }
    merged.addNode(NodeDef.newBuilder().setName(inputNode).setOp("Identity").addInput(PRE + "/output")
        .putAttr("T", AttrValue.newBuilder().setType(DataType.DT_FLOAT).build()));
    return merged.build();
  }
}
