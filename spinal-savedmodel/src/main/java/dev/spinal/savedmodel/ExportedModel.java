package dev.spinal.savedmodel;

import dev.spinal.core.model.ModelGraph;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * A classifier exported by {@link ModelExporter}, loaded back through TF Java's SavedModel loader:
 * its {@code serving_default} signature, input shape and class names.
 *
 * <p>Thread safety: {@link #classify} and {@link #probabilities} may be called from many threads at
 * once on one loaded model (TensorFlow's {@code Session::Run} is thread-safe and the signature holds
 * no per-call state; {@code ExportedModelTest} runs 8 threads against sequential results). Each call
 * owns its input and output tensors. Closing while calls are running is not allowed.
 */
public final class ExportedModel implements AutoCloseable {

  private final Path dir;
  private final SavedModelBundle bundle;
  private final SessionFunction serving;
  private final Shape imageShape;
  private final List<String> classNames;

  private ExportedModel(Path dir, SavedModelBundle bundle, SessionFunction serving, Shape imageShape,
      List<String> classNames) {
    this.dir = dir;
    this.bundle = bundle;
    this.serving = serving;
    this.imageShape = imageShape;
    this.classNames = classNames;
  }

  /**
   * Loads {@code dir} (a version folder, or a base folder whose highest version is taken).
   *
   * @throws IllegalArgumentException naming what is missing or unexpected
   */
  public static ExportedModel load(Path dir) throws IOException {
    return load(dir, null);
  }

  /**
   * Loads {@code dir} (a version folder, or a base folder whose highest version is taken) into a
   * session with {@code sessionConfig} (thread pools, graph options; null: TensorFlow's defaults).
   *
   * @throws IllegalArgumentException naming what is missing or unexpected
   */
  public static ExportedModel load(Path dir, ConfigProto sessionConfig) throws IOException {
    Path versionDir = Files.isRegularFile(dir.resolve("saved_model.pb")) ? dir : latestVersion(dir);
    SavedModelBundle.Loader loader = SavedModelBundle.loader(versionDir.toString())
        .withTags(SavedModelBundle.DEFAULT_TAG);
    if (sessionConfig != null) {
      loader = loader.withConfigProto(sessionConfig);
    }
    SavedModelBundle bundle = loader.load();
    try {
      SignatureDef def = bundle.metaGraphDef().getSignatureDefMap().get(Signature.DEFAULT_KEY);
      if (def == null) {
        throw new IllegalArgumentException(versionDir + " has no '" + Signature.DEFAULT_KEY
            + "' signature; found " + bundle.metaGraphDef().getSignatureDefMap().keySet());
      }
      TensorInfo images = def.getInputsMap().get(ModelGraph.IMAGES);
      if (images == null || !def.getOutputsMap().containsKey("classes")) {
        throw new IllegalArgumentException(versionDir + ": serving_default must take 'images' and give 'classes';"
            + " it takes " + def.getInputsMap().keySet() + " and gives " + def.getOutputsMap().keySet());
      }
      var dims = images.getTensorShape().getDimList();
      Shape shape = Shape.of(dims.get(1).getSize(), dims.get(2).getSize(), dims.get(3).getSize());
      Path classesFile = versionDir.resolve("assets.extra/classes.txt");
      List<String> classes = Files.isRegularFile(classesFile)
          ? Files.readAllLines(classesFile, StandardCharsets.UTF_8) : List.of();
      return new ExportedModel(versionDir, bundle, bundle.function(Signature.DEFAULT_KEY), shape, classes);
    } catch (RuntimeException e) {
      bundle.close();
      throw e;
    }
  }

  static Path latestVersion(Path base) throws IOException {
    if (!Files.isDirectory(base)) {
      throw new IllegalArgumentException("no SavedModel at " + base + ": the folder does not exist");
    }
    long version = ModelExporter.nextVersion(base) - 1;
    if (version < 1) {
      throw new IllegalArgumentException("no SavedModel at " + base
          + ": expected saved_model.pb there or numbered version folders (1/, 2/, ...)");
    }
    return base.resolve(Long.toString(version));
  }

  /** Predicted classes of {@code images} {@code [n, H, W, C]}, pixels / 255. */
  public long[] classify(TFloat32 images) {
    try (Result r = serving.call(Map.of(ModelGraph.IMAGES, (Tensor) images))) {
      TInt64 classes = (TInt64) r.get("classes").orElseThrow();
      long[] out = new long[(int) classes.shape().size()];
      classes.asRawTensor().data().asLongs().read(out);
      return out;
    }
  }

  /** Classes {@code [n]} and probabilities {@code [n, classes]} of one batch, from one run of the signature. */
  public record Prediction(long[] classes, float[] probabilities) {
    /** Number of classes per row. */
    public int numClasses() {
      return classes.length == 0 ? 0 : probabilities.length / classes.length;
    }
  }

  /**
   * Classes and probabilities of {@code images} {@code [n, H, W, C]} (pixels / 255), in one call of
   * {@code serving_default} (what {@link #classify} and {@link #probabilities} each compute).
   */
  public Prediction predict(TFloat32 images) {
    try (Result r = serving.call(Map.of(ModelGraph.IMAGES, (Tensor) images))) {
      TInt64 classes = (TInt64) r.get("classes").orElseThrow();
      TFloat32 p = (TFloat32) r.get("probabilities").orElseThrow();
      long[] c = new long[(int) classes.shape().size()];
      classes.asRawTensor().data().asLongs().read(c);
      float[] out = new float[(int) p.shape().size()];
      p.asRawTensor().data().asFloats().read(out);
      return new Prediction(c, out);
    }
  }

  /** Class probabilities, row-major {@code [n, classes]}. */
  public float[] probabilities(TFloat32 images) {
    try (Result r = serving.call(Map.of(ModelGraph.IMAGES, (Tensor) images))) {
      TFloat32 p = (TFloat32) r.get("probabilities").orElseThrow();
      float[] out = new float[(int) p.shape().size()];
      p.asRawTensor().data().asFloats().read(out);
      return out;
    }
  }

  public Path dir() {
    return dir;
  }

  /** {@code [H, W, C]} the model takes. */
  public Shape imageShape() {
    return imageShape;
  }

  public List<String> classNames() {
    return classNames;
  }

  public SavedModelBundle bundle() {
    return bundle;
  }

  @Override
  public void close() {
    bundle.close();
  }
}
