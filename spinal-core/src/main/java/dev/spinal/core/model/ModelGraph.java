package dev.spinal.core.model;

import dev.spinal.core.Classifier;
import dev.spinal.core.GraphContext;
import dev.spinal.core.losses.CrossEntropy;
import java.util.function.Function;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * A {@link Model} built into a graph with its open session, in one {@link GraphContext.Mode}:
 * {@code images} {@code [-1, H, W, C]} (float32, pixels / 255) and {@code labels} {@code [-1]}
 * (int32) in; the classifier's outputs, the mean cross-entropy {@code loss} and the number of
 * {@code correct} predictions out. A trainer holds a training one and an inference one; an export
 * writes an inference one.
 */
public final class ModelGraph implements AutoCloseable {

  /** Name of the image input. */
  public static final String IMAGES = "images";
  /** Name of the label input. */
  public static final String LABELS = "labels";

  /**
   * What a training graph adds its optimizer to, before the session opens: the mean cross-entropy {@code loss},
   * and the {@code labels} ({@code [batch]}) and {@code logits} ({@code [batch, classes]}) it is computed from, for
   * a training loss of another form (label smoothing).
   */
  public record Parts(Graph graph, GraphContext ctx, Operand<TFloat32> loss, Operand<TInt32> labels,
      Operand<TFloat32> logits) {}

  /** A built graph and what its {@code addTraining} step returned (null for none). */
  public record Built<T>(ModelGraph model, T training) {}

  private final Graph graph;
  private final GraphContext ctx;
  private final Placeholder<TFloat32> images;
  private final Placeholder<TInt32> labels;
  private final Classifier classifier;
  private final Operand<TFloat32> loss;
  private final Operand<TInt32> correct;
  private final Session session;
  private final Model model;

  private ModelGraph(Model model, Graph graph, GraphContext ctx, Placeholder<TFloat32> images,
      Placeholder<TInt32> labels, Classifier classifier, Operand<TFloat32> loss, Operand<TInt32> correct,
      Session session) {
    this.model = model;
    this.graph = graph;
    this.ctx = ctx;
    this.images = images;
    this.labels = labels;
    this.classifier = classifier;
    this.loss = loss;
    this.correct = correct;
    this.session = session;
  }

  /** Builds {@code model} in {@code mode} with nothing added for training, and opens its session. */
  public static ModelGraph build(Model model, GraphContext.Mode mode, long seed, ConfigProto sessionConfig) {
    return build(model, mode, seed, sessionConfig, parts -> null).model();
  }

  /**
   * Builds {@code model} in {@code mode}, lets {@code addTraining} add its ops before the session
   * opens (so that the optimizer's slot variables are initialized with the rest), opens the session,
   * initializes the variables and lets the backbone load the weights it brings.
   *
   * @param seed base of every initializer and dropout seed: the same seed gives the same variables in
   *     every mode, so they can be copied by name between graphs
   * @param sessionConfig TF session options, or null for TF's defaults
   */
  public static <T> Built<T> build(Model model, GraphContext.Mode mode, long seed, ConfigProto sessionConfig,
      Function<Parts, T> addTraining) {
    Graph graph = new Graph();
    try {
      GraphContext ctx = GraphContext.create(graph, seed, mode);
      Ops tf = ctx.tf();
      Placeholder<TFloat32> images = model.backbone().createInput(ctx, IMAGES);
      Operand<TFloat32> normalized = model.preprocess(tf, images);
      Placeholder<TInt32> labels =
          tf.withName(LABELS).placeholder(TInt32.class, Placeholder.shape(Shape.of(-1)));
      Classifier classifier = Classifier.build(ctx, normalized, model.backbone(), model.head());
      Operand<TFloat32> loss =
          tf.withName("loss").identity(CrossEntropy.mean(tf, labels, classifier.logits()));
      Operand<TInt32> correct = tf.withName("correct").reduceSum(
          tf.dtypes.cast(tf.math.equal(classifier.classes(), tf.dtypes.cast(labels, TInt64.class)), TInt32.class),
          tf.constant(0));
      T training = addTraining.apply(new Parts(graph, ctx, loss, labels, classifier.logits()));
      Session session = sessionConfig == null ? new Session(graph) : new Session(graph, sessionConfig);
      try {
        session.initialize();
        model.backbone().initialize(session);
      } catch (RuntimeException e) {
        session.close();
        throw e;
      }
      return new Built<>(new ModelGraph(model, graph, ctx, images, labels, classifier, loss, correct, session),
          training);
    } catch (RuntimeException e) {
      graph.close();
      throw e;
    }
  }

  /**
   * Recomputes derived variables (an inference graph's folded batch norms) from the current weights:
   * run after the weights were set from outside.
   */
  public void refreshDerived() {
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

  /** What this graph was built from. */
  public Model model() {
    return model;
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
