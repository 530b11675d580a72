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
 * <p>Fine-tuning ({@code trainable}) needs the {@code graph} format (plain {@code VariableV2} ops):
 * TF Java 1.1 cannot differentiate a {@code tf2} export's {@code StatefulPartitionedCall} with
 * respect to its captured variables ({@code No attr named 'dtype' in NodeDef}, see
 * saved-models/README.md), so that combination is refused at {@link #load}.
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
  private final boolean trainable;
  private final long trainableParameters;

  /** A variable's value read from the SavedModel. */
  record WeightValue(String op, Shape shape, float[] values) {}

  private SavedModelBackbone(Path dir, String format, Shape imageShape, Shape modelInput, long featureSize,
      String inputNode, String featureTensor, float[] mean, float[] std, boolean bgr, GraphDef pruned,
      Map<String, WeightValue> weights, boolean trainable, long trainableParameters) {
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
    this.trainable = trainable;
    this.trainableParameters = trainableParameters;
  }

  /** True when {@code name} looks like a backbone folder rather than a built-in backbone's name. */
  public static boolean isSavedModelFolder(Path dir) {
    return Files.isDirectory(dir)
        && (Files.isRegularFile(dir.resolve("saved_model.pb")) || Files.isRegularFile(dir.resolve("backbone.json")));
  }

  /**
   * Loads the backbone in {@code dir} for images of {@code height x width x channels}, audited under
   * {@link ModelTrust#AUDITED}: {@link #load(Path, int, int, int, boolean, ModelTrust)}.
   */
  public static SavedModelBackbone load(Path dir, int height, int width, int channels, boolean trainable) {
    return load(dir, height, width, channels, trainable, ModelTrust.AUDITED);
  }

  /**
   * Loads the backbone in {@code dir} for images of {@code height x width x channels}. Its graph is audited
   * before anything of it runs ({@link SavedModelAudit#check}).
   *
   * @param trainable fine-tune: the backbone's variables become trainable variables of the graphs it
   *     is imported into (graph format only)
   * @param trust {@link ModelTrust#TRUSTED} loads it even when the audit finds ops that reach outside the model
   * @throws UntrustedSavedModelException refused by the audit under {@link ModelTrust#AUDITED}
   * @throws IllegalArgumentException naming the file, field or shape that is wrong
   */
  public static SavedModelBackbone load(Path dir, int height, int width, int channels, boolean trainable,
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
    String format = text(json, "saved_model_format", jsonFile, "tf2");
    if (trainable && !format.equals("graph")) {
      throw new IllegalArgumentException("cannot fine-tune " + dir + ": its saved_model_format is '" + format
          + "'. TF Java 1.1 cannot differentiate a TF2 SavedModel's StatefulPartitionedCall with respect to the"
          + " variables it captures (the gradient fails when run: \"No attr named 'dtype' in NodeDef\"; even the"
          + " gradient to its input fails, see saved-models/README.md). Export the backbone with"
          + " export_backbone.py --format graph (e.g. " + dir.getFileName() + "-graph) to fine-tune it, or drop"
          + " --fine-tune to train the head on frozen features.");
    }
    String signatureKey = text(json, "signature", jsonFile, "serving_default");
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
      long[] jsonInput = {size.path("height").asLong(-1), size.path("width").asLong(-1),
          size.path("channels").asLong(-1)};
      if (jsonInput[0] != inDims[1] || jsonInput[1] != inDims[2] || jsonInput[2] != inDims[3]) {
        throw new IllegalArgumentException(jsonFile + ": input_size " + shapeText(jsonInput)
            + " disagrees with the SavedModel's input " + shapeText(inDims));
      }
      long featureSize = json.path("feature_size").asLong(-1);
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
      boolean bgr = pre.path("channel_order").asText("RGB").toUpperCase(Locale.ROOT).equals("BGR");

      String inputNode = nodeName(in.getName());
      String featureTensor = out.getName().contains(":") ? out.getName() : out.getName() + ":0";
      GraphDef full = bundle.graph().toGraphDef();
      GraphDef pruned = prune(full, nodeName(featureTensor), inputNode, dir);
      Map<String, WeightValue> weights = readWeights(bundle, pruned, dir);
      long trainableParams = json.path("parameters").path("trainable").asLong(0);
      if (trainable && weights.values().stream().noneMatch(w -> w.op().equals("VariableV2"))) {
        throw new IllegalArgumentException("cannot fine-tune " + dir + ": its graph has no VariableV2 weights");
      }
      return new SavedModelBackbone(dir, format, Shape.of(height, width, channels),
          Shape.of(inDims[1], inDims[2], inDims[3]), featureSize, inputNode, featureTensor, mean, std, bgr, pruned,
          weights, trainable, trainableParams);
    }
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

  private static String text(JsonNode json, String field, Path file, String fallback) {
    JsonNode n = json.get(field);
    return n == null || n.isNull() ? fallback : n.asText();
  }

  private static float[] floats(JsonNode node, int channels, Path file, String field) {
    if (!node.isArray() || (node.size() != channels && node.size() != 1)) {
      throw new IllegalArgumentException(file + ": " + field + " must be a list of 1 or " + channels
          + " numbers, got " + node);
    }
    float[] out = new float[channels];
    for (int c = 0; c < channels; c++) {
      out[c] = (float) node.get(node.size() == 1 ? 0 : c).asDouble();
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
      Ops one = tf.withSubScope("w" + i++);
      if (w.getValue().op().equals("VarHandleOp")) {
        // TF Java's saver (and so its SavedModel exporter) saves only VariableV2: a resource variable
        // would be missing from an export. Its value goes into the graph as a constant instead, assigned
        // by the saved_model_init op: restoreWeights runs it, and an export names it as the SavedModel's
        // init op, which every loader runs. (Not TF Java's init scope: a non-init op's control
        // dependencies on init ops are dropped.)
        Ops init = one;
        resourceInits.add(init.withName("init").assignVariableOp(op.output(0),
            init.constant(w.getValue().shape(), DataBuffers.of(w.getValue().values(), true, false))));
      } else {
        Placeholder<TFloat32> value =
            one.withName("value").placeholder(TFloat32.class, Placeholder.shape(w.getValue().shape()));
        Variable<TFloat32> v = new Variable<>(op);
        one.withName("assign").assign(v, value);
        if (trainable) {
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

  /** True unless loaded as trainable (fine-tuning). */
  @Override
  public boolean frozen() {
    return !trainable;
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
        String scope = RESTORE + "/w" + i++;
        runner.feed(scope + "/value", t).addTarget(scope + "/assign");
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

  /** {@code [h, w, c]} of the SavedModel's own input. */
  public Shape modelInputShape() {
    return modelInput;
  }

  @Override
  public long featureSize() {
    return featureSize;
  }

  /** Trainable parameters as backbone.json counts them (Keras' count). */
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

  /** Whether the backbone's variables are trained (fine-tuning). */
  public boolean trainable() {
    return trainable;
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
