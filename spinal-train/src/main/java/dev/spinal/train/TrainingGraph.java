package dev.spinal.train;

import dev.spinal.core.Classifier;
import dev.spinal.core.GraphContext;
import dev.spinal.core.backbones.Backbone;
import dev.spinal.core.heads.Head;
import dev.spinal.core.heads.HeadSpec;
import dev.spinal.core.losses.CrossEntropy;
import dev.spinal.train.optim.ScheduledOptimizer;
import dev.spinal.train.transfer.SavedModelBackbone;
import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * The graph and session of one training run: {@code images} {@code [-1, H, W, C]} (pixels scaled to
 * [0, 1]; the graph normalizes them with the dataset's mean and std, so an exported model needs no
 * preprocessing beyond /255) and {@code labels} {@code [-1]} in, the classifier's outputs, the mean
 * cross-entropy, the number of correct predictions, and one op that runs a training step (optimizer
 * update plus batch-norm moving averages).
 *
 * <p>With a {@link SavedModelBackbone} the image input is the one the backbone imports (same shape and
 * scaling, its own preprocessing instead of the dataset's mean/std), and its weights are copied in
 * after initialization; they are trained only when the backbone was loaded as trainable (fine-tuning).
 */
public final class TrainingGraph implements AutoCloseable {

  public static final String IMAGES = "images";
  public static final String LABELS = "labels";

  private final Graph graph;
  private final GraphContext ctx;
  private final Placeholder<TFloat32> images;
  private final Placeholder<TInt32> labels;
  private final Classifier classifier;
  private final Operand<TFloat32> loss;
  private final Operand<TInt32> correct;
  private final Op trainStep;
  private final ScheduledOptimizer optimizer;
  private final Session session;
  private final Op savedModelInit;

  private TrainingGraph(Graph graph, GraphContext ctx, Placeholder<TFloat32> images,
      Placeholder<TInt32> labels, Classifier classifier, Operand<TFloat32> loss,
      Operand<TInt32> correct, Op trainStep, ScheduledOptimizer optimizer, Session session,
      Op savedModelInit) {
    this.savedModelInit = savedModelInit;
    this.graph = graph;
    this.ctx = ctx;
    this.images = images;
    this.labels = labels;
    this.classifier = classifier;
    this.loss = loss;
    this.correct = correct;
    this.trainStep = trainStep;
    this.optimizer = optimizer;
    this.session = session;
  }

  /**
   * Builds the graph and opens its session (variables initialized).
   *
   * @param mean per-channel mean of [0,1]-scaled pixels, {@code std} likewise
   */
  public static TrainingGraph build(TrainConfig config, Backbone backbone, int classes, float[] mean,
      float[] std, ConfigProto sessionConfig) {
    Graph graph = new Graph();
    try {
      GraphContext ctx = GraphContext.create(graph, config.seed());
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
        images = tf.withName(IMAGES).placeholder(TFloat32.class,
            Placeholder.shape(Shape.of(-1, hwc.get(0), hwc.get(1), hwc.get(2))));
        normalized = normalize(tf, images, mean, std);
      }
      Placeholder<TInt32> labels =
          tf.withName(LABELS).placeholder(TInt32.class, Placeholder.shape(Shape.of(-1)));
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
      Operand<TFloat32> loss = tf.withName("loss").identity(CrossEntropy.mean(tf, labels, classifier.logits()));
      Operand<TInt32> correct = tf.withName("correct").reduceSum(
          tf.dtypes.cast(tf.math.equal(classifier.classes(), tf.dtypes.cast(labels, TInt64.class)), TInt32.class),
          tf.constant(0));
      ScheduledOptimizer optimizer =
          config.optimizer().create(graph, config.learningRate(), config.momentum());
      Op trainStep = optimizer.minimize(loss, ctx.trainableVariables(), ctx.updateOps());
      Session session = sessionConfig == null ? new Session(graph) : new Session(graph, sessionConfig);
      session.initialize();
      if (backbone instanceof SavedModelBackbone savedModel) {
        savedModel.restoreWeights(session);
      }
      return new TrainingGraph(graph, ctx, images, labels, classifier, loss, correct, trainStep, optimizer, session,
          savedModelInit);
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

  /** Loss and correct count of one batch. */
  public record StepResult(double loss, int correct) {}

  /** Runs one training step on a batch at global step {@code step}. */
  public StepResult trainStep(TFloat32 batchImages, TInt32 batchLabels, long step) {
    try (TBool on = TBool.scalarOf(true);
        TInt64 stepTensor = TInt64.scalarOf(step);
        Result r = session.runner()
            .feed(images, batchImages)
            .feed(labels, batchLabels)
            .feed(ctx.training(), on)
            .feed(ctx.step(), stepTensor)
            .addTarget(trainStep)
            .fetch(loss)
            .fetch(correct)
            .run()) {
      return new StepResult(((TFloat32) r.get(0)).getFloat(), ((TInt32) r.get(1)).getInt());
    }
  }

  /** Loss and correct count of one batch in inference mode. */
  public StepResult evaluate(TFloat32 batchImages, TInt32 batchLabels) {
    try (Result r = session.runner()
        .feed(images, batchImages)
        .feed(labels, batchLabels)
        .fetch(loss)
        .fetch(correct)
        .run()) {
      return new StepResult(((TFloat32) r.get(0)).getFloat(), ((TInt32) r.get(1)).getInt());
    }
  }

  /** Predicted classes of a batch in inference mode. */
  public long[] predict(TFloat32 batchImages) {
    try (Result r = session.runner().feed(images, batchImages).fetch(classifier.classes()).run()) {
      TInt64 classes = (TInt64) r.get(0);
      long[] out = new long[(int) classes.shape().size()];
      classes.asRawTensor().data().asLongs().read(out);
      return out;
    }
  }

  /** All trainable weights as one flat vector, for equivalence checks. */
  public double[] trainableWeights() {
    Session.Runner runner = session.runner();
    ctx.trainableVariables().forEach(runner::fetch);
    try (Result r = runner.run()) {
      int total = 0;
      for (int i = 0; i < r.size(); i++) {
        total += (int) r.get(i).shape().size();
      }
      double[] out = new double[total];
      int at = 0;
      for (int i = 0; i < r.size(); i++) {
        float[] values = new float[(int) r.get(i).shape().size()];
        ((TFloat32) r.get(i)).asRawTensor().data().asFloats().read(values);
        for (float v : values) {
          out[at++] = v;
        }
      }
      return out;
    }
  }

  public static TFloat32 imagesTensor(float[] pixels, int n, Shape hwc) {
    return TFloat32.tensorOf(Shape.of(n, hwc.get(0), hwc.get(1), hwc.get(2)), DataBuffers.of(pixels, true, false));
  }

  public Graph graph() {
    return graph;
  }

  public Session session() {
    return session;
  }

  public GraphContext context() {
    return ctx;
  }

  public Placeholder<TFloat32> images() {
    return images;
  }

  public Classifier classifier() {
    return classifier;
  }

  /**
   * The op an export's loader must run after restoring variables ({@code __saved_model_init_op}), or
   * null: a TF2 SavedModel backbone's resource variables, which TF Java's saver does not save.
   */
  public Op savedModelInitOp() {
    return savedModelInit;
  }

  public ScheduledOptimizer optimizer() {
    return optimizer;
  }

  public List<org.tensorflow.op.core.Variable<?>> trainableVariables() {
    return ctx.trainableVariables();
  }

  @Override
  public void close() {
    session.close();
    graph.close();
  }
}
