package dev.spinal.train;

import dev.spinal.core.Classifier;
import dev.spinal.core.GraphContext;
import dev.spinal.core.backbones.Backbone;
import dev.spinal.core.heads.Head;
import dev.spinal.core.heads.HeadSpec;
import dev.spinal.core.losses.CrossEntropy;
import dev.spinal.train.transfer.SavedModelBackbone;
import java.util.function.Function;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * One graph of a run and its open session, in one {@link GraphContext.Mode}: {@code images}
 * {@code [-1, H, W, C]} and {@code labels} {@code [-1]} in; the classifier's outputs, the mean
 * cross-entropy {@code loss} and the number of {@code correct} predictions out. {@link TrainingGraph}
 * holds a training one and an inference one.
 */
public final class ModelGraph implements AutoCloseable {

  /** What a training graph adds its optimizer to. */
  record Parts(Graph graph, GraphContext ctx, Operand<TFloat32> loss) {}

  /** A built graph and what its {@code addTraining} step returned (null for none). */
  record Built<T>(ModelGraph model, T training) {}

  private final Graph graph;
  private final GraphContext ctx;
  private final Placeholder<TFloat32> images;
  private final Placeholder<TInt32> labels;
  private final Classifier classifier;
  private final Operand<TFloat32> loss;
  private final Operand<TInt32> correct;
  private final Session session;
  private final Op savedModelInit;

  private ModelGraph(Graph graph, GraphContext ctx, Placeholder<TFloat32> images, Placeholder<TInt32> labels,
      Classifier classifier, Operand<TFloat32> loss, Operand<TInt32> correct, Session session,
      Op savedModelInit) {
    this.graph = graph;
    this.ctx = ctx;
    this.images = images;
    this.labels = labels;
    this.classifier = classifier;
    this.loss = loss;
    this.correct = correct;
    this.session = session;
    this.savedModelInit = savedModelInit;
  }

  /**
   * Builds the model in {@code mode}, lets {@code addTraining} add its ops before the session opens
   * (so that the optimizer's slot variables are initialized with the rest), opens the session and
   * initializes the variables.
   *
   * @param mean per-channel mean of [0,1]-scaled pixels, {@code std} likewise
   */
  static <T> Built<T> build(GraphContext.Mode mode, TrainConfig config, Backbone backbone, int classes,
      float[] mean, float[] std, ConfigProto sessionConfig, Function<Parts, T> addTraining) {
    Graph graph = new Graph();
    try {
      GraphContext ctx = GraphContext.create(graph, config.seed(), mode);
      Ops tf = ctx.tf();
      Shape hwc = backbone.imageShape();
      Placeholder<TFloat32> images;
      Operand<TFloat32> normalized;
      Op savedModelInit = null;
      if (backbone instanceof SavedModelBackbone savedModel) {
        // the backbone brings its own input and preprocessing (backbone.json); mean/std do not apply
        SavedModelBackbone.Imported imported = savedModel.importInto(ctx);
        images = imported.images();
        savedModelInit = imported.savedModelInit();
        normalized = images;
      } else {
        images = tf.withName(TrainingGraph.IMAGES).placeholder(TFloat32.class,
            Placeholder.shape(Shape.of(-1, hwc.get(0), hwc.get(1), hwc.get(2))));
        normalized = normalize(tf, images, mean, std);
      }
      Placeholder<TInt32> labels =
          tf.withName(TrainingGraph.LABELS).placeholder(TInt32.class, Placeholder.shape(Shape.of(-1)));
      HeadSpec spec = HeadSpec.builder()
          .inputSize(backbone.featureSize())
          .width(config.width())
          .depth(config.depth())
          .classes(classes)
          .dropout(config.dropout())
          .batchNorm(config.batchNorm())
          .build();
      Head head = config.head().create(spec);
      Classifier classifier = Classifier.build(ctx, normalized, backbone, head);
      Operand<TFloat32> loss =
          tf.withName("loss").identity(CrossEntropy.mean(tf, labels, classifier.logits()));
      Operand<TInt32> correct = tf.withName("correct").reduceSum(
          tf.dtypes.cast(tf.math.equal(classifier.classes(), tf.dtypes.cast(labels, TInt64.class)), TInt32.class),
          tf.constant(0));
      T training = addTraining.apply(new Parts(graph, ctx, loss));
      Session session = sessionConfig == null ? new Session(graph) : new Session(graph, sessionConfig);
      try {
        session.initialize();
        if (backbone instanceof SavedModelBackbone savedModel) {
          savedModel.restoreWeights(session);
        }
      } catch (RuntimeException e) {
        session.close();
        throw e;
      }
      return new Built<>(
          new ModelGraph(graph, ctx, images, labels, classifier, loss, correct, session, savedModelInit),
          training);
    } catch (RuntimeException e) {
      graph.close();
      throw e;
    }
  }

  private static Operand<TFloat32> normalize(Ops tf, Operand<TFloat32> images, float[] mean, float[] std) {
    float[] inverse = new float[std.length];
    for (int i = 0; i < std.length; i++) {
      inverse[i] = 1f / std[i];
    }
    Operand<TFloat32> centered = tf.math.sub(images, tf.constant(mean));
    return tf.withName("normalized").math.mul(centered, tf.constant(inverse));
  }

  /**
   * Recomputes derived variables (an inference graph's folded batch norms) from the current weights:
   * run after the weights were set from outside.
   */
  void refreshDerived() {
    if (!ctx.derivedUpdates().isEmpty()) {
      Session.Runner r = session.runner();
      ctx.derivedUpdates().forEach(r::addTarget);
      r.run();
    }
  }

  public Graph graph() {
    return graph;
  }

  public GraphContext ctx() {
    return ctx;
  }

  /** {@code [-1, H, W, C]} float32, pixels / 255. */
  public Placeholder<TFloat32> images() {
    return images;
  }

  /** {@code [-1]} int32 class indices. */
  public Placeholder<TInt32> labels() {
    return labels;
  }

  public Classifier classifier() {
    return classifier;
  }

  /** Scalar mean cross-entropy. */
  public Operand<TFloat32> loss() {
    return loss;
  }

  /** Scalar number of correct predictions in the batch. */
  public Operand<TInt32> correct() {
    return correct;
  }

  public Session session() {
    return session;
  }

  /**
   * The op an export's loader must run after restoring variables ({@code __saved_model_init_op}), or
   * null: a TF2 SavedModel backbone's resource variables, which TF Java's saver does not save.
   */
  public Op savedModelInitOp() {
    return savedModelInit;
  }

  @Override
  public void close() {
    try {
      session.close();
    } finally {
      graph.close();
    }
  }
}
