package dev.spinal.savedmodel;

import dev.spinal.core.model.ModelGraph;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Signature;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.types.TFloat32;

/**
 * A classifier exported by {@link ModelExporter}, loaded back through TF Java's SavedModel loader:
 * its {@code serving_default} signature, input shape and class names. A folder Spinal did not write is
 * audited before it is loaded ({@link SavedModelAudit}, {@link ModelTrust}).
 *
 * <p>Thread safety: {@link #classify}, {@link #probabilities} and {@link #predict} may be called from many threads at once on
 * one loaded model. Each call feeds and fetches through its own {@code Session.Runner} (TensorFlow's
 * {@code Session::Run} is thread-safe) and owns its input and output tensors; the shared state (the
 * signature's graph outputs, resolved once at load) is read-only. Results are the same as sequential calls,
 * bit for bit ({@code ExportedModelTest} runs 8 threads x 500 calls against sequential results).
 *
 * <p>{@link #close()} may race with calls: it waits for the calls already running to finish (they return
 * normally), then frees the model; a call that starts after {@code close()} began throws
 * {@link IllegalStateException} ("... is closed"). {@link #bundle()} is outside this guard: do not use it
 * after {@code close()}.
 */
public final class ExportedModel implements AutoCloseable {

  private final Path dir;
  private final SavedModelBundle bundle;
  private final Shape imageShape;
  private final List<String> classNames;
  private final SavedModelAudit.Report audit;
  private final Output<?> images;
  /** Signature output name ({@code classes}, {@code probabilities}, ...) -> its graph output. */
  private final Map<String, Output<?>> outputs;
  /** Calls hold the read lock, {@link #close} the write lock: it waits for running calls. */
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private volatile boolean closed;

  private ExportedModel(Path dir, SavedModelBundle bundle, Shape imageShape, List<String> classNames,
      SavedModelAudit.Report audit, Output<?> images, Map<String, Output<?>> outputs) {
    this.dir = dir;
    this.bundle = bundle;
    this.imageShape = imageShape;
    this.classNames = classNames;
    this.audit = audit;
    this.images = images;
    this.outputs = outputs;
  }

  /**
   * Loads {@code dir} (a version folder, or a base folder whose highest version is taken) after auditing it
   * under {@link ModelTrust#AUDITED}: a SavedModel that Spinal exported passes.
   *
   * @throws UntrustedSavedModelException when its graph holds ops that reach outside the model
   * @throws IllegalArgumentException naming what is missing or unexpected
   */
  public static ExportedModel load(Path dir) throws IOException {
    return load(dir, ModelTrust.AUDITED, null);
  }

  /**
   * Loads {@code dir} (a version folder, or a base folder whose highest version is taken); its graph is
   * audited first ({@link SavedModelAudit#check}), before anything of it runs.
   *
   * @param trust {@link ModelTrust#TRUSTED} loads it even when the audit finds ops that reach outside the model
   * @throws UntrustedSavedModelException refused under {@link ModelTrust#AUDITED}
   * @throws IllegalArgumentException naming what is missing or unexpected
   */
  public static ExportedModel load(Path dir, ModelTrust trust) throws IOException {
    return load(dir, trust, null);
  }

  /** As {@link #load(Path, ModelTrust, ConfigProto)}, audited, in a session with {@code sessionConfig}. */
  public static ExportedModel load(Path dir, ConfigProto sessionConfig) throws IOException {
    return load(dir, ModelTrust.AUDITED, sessionConfig);
  }

  /**
   * Loads {@code dir} as {@link #load(Path, ModelTrust)} does, into a session with {@code sessionConfig} (thread
   * pools, graph options; null: TensorFlow's defaults).
   */
  public static ExportedModel load(Path dir, ModelTrust trust, ConfigProto sessionConfig) throws IOException {
    Path versionDir = versionDir(dir);
    SavedModelAudit.Report audit = SavedModelAudit.check(versionDir, trust);
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
      TensorInfo input = def.getInputsMap().get(ModelGraph.IMAGES);
      if (input == null || !def.getOutputsMap().containsKey("classes")) {
        throw new IllegalArgumentException(versionDir + ": serving_default must take 'images' and give 'classes';"
            + " it takes " + def.getInputsMap().keySet() + " and gives " + def.getOutputsMap().keySet());
      }
      var dims = input.getTensorShape().getDimList();
      if (dims.size() != 4) {
        throw new IllegalArgumentException(versionDir + ": serving_default's 'images' must be [-1, H, W, C], got "
            + dims.size() + " dimensions");
      }
      Shape shape = Shape.of(dims.get(1).getSize(), dims.get(2).getSize(), dims.get(3).getSize());
      Path classesFile = versionDir.resolve("assets.extra/classes.txt");
      List<String> classes = Files.isRegularFile(classesFile)
          ? Files.readAllLines(classesFile, StandardCharsets.UTF_8) : List.of();
      Map<String, Output<?>> outputs = new LinkedHashMap<>();
      def.getOutputsMap().forEach((key, info) -> outputs.put(key, bundle.graph().outputOrThrow(info.getName())));
      return new ExportedModel(versionDir, bundle, shape, List.copyOf(classes), audit,
          bundle.graph().outputOrThrow(input.getName()), java.util.Collections.unmodifiableMap(outputs));
    } catch (RuntimeException e) {
      bundle.close();
      throw e;
    }
  }

  /**
   * The SavedModel folder {@code dir} names: {@code dir} itself when it holds {@code saved_model.pb}, else its
   * highest numbered version folder.
   *
   * @throws IllegalArgumentException when it is neither
   */
  public static Path versionDir(Path dir) throws IOException {
    return Files.isRegularFile(dir.resolve("saved_model.pb")) ? dir : latestVersion(dir);
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

  /**
   * Predicted classes of {@code images} {@code [n, H, W, C]}, pixels / 255: {@code n} class indices. Thread-safe.
   *
   * @throws IllegalStateException once {@link #close()} has begun
   */
  public long[] classify(TFloat32 images) {
    return call(List.of("classes"), images, r -> longs(r.get(0)));
  }

  /** Classes {@code [n]} and probabilities {@code [n, classes]} of one batch, from one run of the signature. */
  public record Prediction(long[] classes, float[] probabilities) {
    /** Number of classes per row. */
    public int numClasses() {
      return classes.length == 0 ? 0 : probabilities.length / classes.length;
    }
  }

  /**
   * Classes and probabilities of {@code images} {@code [n, H, W, C]} (pixels / 255), in one run of
   * {@code serving_default} (what {@link #classify} and {@link #probabilities} each compute). Thread-safe.
   *
   * @throws IllegalStateException once {@link #close()} has begun
   */
  public Prediction predict(TFloat32 images) {
    return call(List.of("classes", "probabilities"), images,
        r -> new Prediction(longs(r.get(0)), floats(r.get(1))));
  }

  /**
   * Class probabilities of {@code images} {@code [n, H, W, C]}, row-major {@code [n, classes]}. Thread-safe.
   *
   * @throws IllegalStateException once {@link #close()} has begun
   */
  public float[] probabilities(TFloat32 images) {
    return call(List.of("probabilities"), images, r -> floats(r.get(0)));
  }

  private static long[] longs(Tensor t) {
    long[] out = new long[(int) t.shape().size()];
    t.asRawTensor().data().asLongs().read(out);
    return out;
  }

  private static float[] floats(Tensor t) {
    float[] out = new float[(int) t.shape().size()];
    t.asRawTensor().data().asFloats().read(out);
    return out;
  }

  /** Runs the signature for {@code names}, fetched in that order, under the read lock (see the class comment). */
  private <R> R call(List<String> names, TFloat32 x, Function<Result, R> read) {
    for (String name : names) {
      if (!outputs.containsKey(name)) {
        throw new IllegalArgumentException(dir + ": serving_default has no '" + name + "' output; it gives "
            + outputs.keySet());
      }
    }
    Shape s = x.shape();
    boolean fits = s.numDimensions() == 4;
    for (int i = 0; fits && i < 3; i++) {
      fits = imageShape.get(i) < 0 || s.get(i + 1) == imageShape.get(i); // -1: any size
    }
    if (!fits) {
      throw new IllegalArgumentException(dir + " takes images [n, " + imageShape.get(0) + ", " + imageShape.get(1)
          + ", " + imageShape.get(2) + "], got " + s);
    }
    lock.readLock().lock();
    try {
      if (closed) {
        throw new IllegalStateException("the model loaded from " + dir + " is closed");
      }
      var runner = bundle.session().runner().feed(images, x);
      names.forEach(name -> runner.fetch(outputs.get(name)));
      try (Result r = runner.run()) {
        return read.apply(r);
      }
    } finally {
      lock.readLock().unlock();
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

  /** What the audit found when the model was loaded (it passed, or the caller trusted it). */
  public SavedModelAudit.Report audit() {
    return audit;
  }

  /** TF Java's loaded bundle, for what this class does not offer; not guarded against {@link #close()}. */
  public SavedModelBundle bundle() {
    return bundle;
  }

  /**
   * Frees the model: waits for running calls to return, then closes the session and graph. Idempotent; later
   * calls throw {@link IllegalStateException}.
   */
  @Override
  public void close() {
    lock.writeLock().lock();
    try {
      if (!closed) {
        closed = true;
        bundle.close();
      }
    } finally {
      lock.writeLock().unlock();
    }
  }
}
