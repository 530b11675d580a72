package dev.spinal.savedmodel;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spinal.core.Classifier;
import dev.spinal.core.GraphContext;
import dev.spinal.core.heads.HeadKind;
import dev.spinal.core.heads.HeadSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.family.TNumber;

/** Each bad backbone folder fails with a message naming what was found. */
class SavedModelBackboneErrorsTest {

  static final Path GRAPH_CNN = SavedModelBackboneTest.MODELS.resolve("fmnist04-cnn-graph");

  /** A tiny SavedModel: input {@code [-1, ...inputShape]} of {@code type}, features [-1, 16]. */
  static <T extends TNumber> Path tinyModel(Path dir, String signatureKey, Class<T> type, Shape inputShape)
      throws Exception {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Placeholder<T> in = tf.withName("images").placeholder(type, Placeholder.shape(inputShape));
      Operand<TFloat32> x = tf.reshape(tf.dtypes.cast(in, TFloat32.class), tf.constant(new long[] {-1, 16}));
      var w = tf.withName("weights.w").variable(tf.withInitScope().ones(tf.constant(new long[] {16}),
          TFloat32.class));
      Operand<TFloat32> features = tf.withName("features").math.mul(x, w);
      try (Session s = new Session(g)) {
        s.initialize();
        SavedModelBundle.exporter(dir.toString()).withSession(s).withFunction(SessionFunction.create(
            Signature.builder().key(signatureKey).input("images", in).output("features", features).build(), s))
            .export();
      }
    }
    Files.writeString(dir.resolve("backbone.json"), "{\"saved_model_format\": \"graph\", \"input_size\":"
        + " {\"height\": 4, \"width\": 4, \"channels\": 1}, \"feature_size\": 16, \"preprocessing\": {\"mean\":"
        + " [0], \"std\": [255], \"channel_order\": \"gray\"}}");
    return dir;
  }

  @Test
  void noUsableSignature(@TempDir Path dir) throws Exception {
    Path model = tinyModel(dir.resolve("m"), "predict_features", TFloat32.class, Shape.of(-1, 4, 4, 1));
    assertThatThrownBy(() -> SavedModelBackbone.load(model, 4, 4, 1, false))
        .hasMessageContaining("no usable signature")
        .hasMessageContaining("'serving_default'")
        .hasMessageContaining("found 'predict_features' (inputs [images], outputs [features])");
  }

  @Test
  void inputDtypeOrRankItCannotTake(@TempDir Path dir) throws Exception {
    Path ints = tinyModel(dir.resolve("ints"), "serving_default", TInt32.class, Shape.of(-1, 4, 4, 1));
    assertThatThrownBy(() -> SavedModelBackbone.load(ints, 4, 4, 1, false))
        .hasMessageContaining("input 'images' is DT_INT32 [-1, 4, 4, 1]")
        .hasMessageContaining("only DT_FLOAT images of rank 4");
    Path flat = tinyModel(dir.resolve("flat"), "serving_default", TFloat32.class, Shape.of(-1, 16));
    assertThatThrownBy(() -> SavedModelBackbone.load(flat, 4, 4, 1, false))
        .hasMessageContaining("input 'images' is DT_FLOAT [-1, 16]");
  }

  @Test
  void missingVariablesFolder(@TempDir Path dir) throws Exception {
    Path copy = Files.createDirectories(dir.resolve("cnn"));
    Files.copy(GRAPH_CNN.resolve("saved_model.pb"), copy.resolve("saved_model.pb"));
    Files.copy(GRAPH_CNN.resolve("backbone.json"), copy.resolve("backbone.json"));
    assertThatThrownBy(() -> SavedModelBackbone.load(copy, 28, 28, 1, false))
        .hasMessageContaining("has no variables/ folder (found: backbone.json, saved_model.pb)");
  }

  @Test
  void featureSizeThatDoesNotFit(@TempDir Path dir) throws Exception {
    Path copy = Files.createDirectories(dir.resolve("cnn/variables"));
    try (var files = Files.list(GRAPH_CNN.resolve("variables"))) {
      for (Path f : files.toList()) {
        Files.copy(f, copy.resolve(f.getFileName()));
      }
    }
    Path root = copy.getParent();
    Files.copy(GRAPH_CNN.resolve("saved_model.pb"), root.resolve("saved_model.pb"));
    Files.writeString(root.resolve("backbone.json"), Files.readString(GRAPH_CNN.resolve("backbone.json"))
        .replace("\"feature_size\": 128", "\"feature_size\": 64"));
    assertThatThrownBy(() -> SavedModelBackbone.load(root, 28, 28, 1, false))
        .hasMessageContaining("feature_size 64 does not fit the SavedModel's output [-1, 128]");

    // and a head sized for other features is refused before anything is added to the graph
    SavedModelBackbone backbone = SavedModelBackbone.load(GRAPH_CNN, 28, 28, 1, false);
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.switched(g, 1);
      var images = backbone.createInput(ctx, "images");
      HeadSpec spec = HeadSpec.builder().inputSize(256).width(8).depth(2).classes(5).build();
      assertThatThrownBy(() -> Classifier.build(ctx, images, backbone, HeadKind.PROGRESSIVE.create(spec)))
          .hasMessageContaining("reads 256 features (inputSize)")
          .hasMessageContaining("savedmodel:fmnist04-cnn-graph backbone gives 128");
    }
  }

  @Test
  void channelsItCannotConvert() {
    assertThatThrownBy(() -> SavedModelBackbone.load(GRAPH_CNN, 28, 28, 4, false))
        .hasMessageContaining("takes 1-channel images; cannot convert the dataset's 4-channel images");
  }
}
