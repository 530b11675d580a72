package dev.spinal.train.batches;

import dev.spinal.core.GraphContext;
import dev.spinal.core.backbones.Backbone;
import dev.spinal.core.model.Model;
import dev.spinal.datasets.Batch;
import dev.spinal.datasets.BatchStream;
import dev.spinal.datasets.ImageDataset;
import dev.spinal.datasets.Normalization;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import java.util.function.BiFunction;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;

/**
 * Runs a model's backbone (with the model's normalization, or the backbone's own preprocessing) in
 * a graph of its own, in inference mode: images {@code [n, H, W, C]} (pixels / 255) to features
 * {@code [n, D]}. Frozen-backbone training computes every image's features once with it
 * ({@link FeatureCache}).
 */
public final class FeatureExtractor implements AutoCloseable {

  private final Backbone backbone;
  private final Graph graph;
  private final Session session;
  private final Placeholder<TFloat32> images;
  private final Operand<TFloat32> features;

  /**
   * @param seed initializer seed of a backbone built in the graph (one that brings its weights
   *     ignores it)
   * @param sessionConfig TF session options, or null for TF's defaults
   */
  public FeatureExtractor(Model model, long seed, ConfigProto sessionConfig) {
    this(model.backbone(), model::preprocess, seed, sessionConfig);
  }

  /**
   * The features of a backbone that brings its weights and preprocesses the pixels itself (a
   * {@code SavedModelBackbone}), as a frozen-backbone training run computes them.
   *
   * @param sessionConfig TF session options, or null for TF's defaults
   * @throws IllegalArgumentException when the backbone does not preprocess itself (its features
   *     depend on a model's normalization: use {@link #FeatureExtractor(Model, long, ConfigProto)})
   */
  public FeatureExtractor(Backbone backbone, ConfigProto sessionConfig) {
    this(checkSelfPreprocessing(backbone), (tf, images) -> images, 0, sessionConfig);
  }

  private static Backbone checkSelfPreprocessing(Backbone backbone) {
    if (!backbone.preprocessesItself()) {
      throw new IllegalArgumentException(backbone.name() + " does not preprocess its images itself: its features"
          + " depend on the model's normalization; extract them through the Model");
    }
    return backbone;
  }

  private FeatureExtractor(Backbone backbone, BiFunction<Ops, Operand<TFloat32>, Operand<TFloat32>> preprocess,
      long seed, ConfigProto sessionConfig) {
    this.backbone = backbone;
    this.graph = new Graph();
    try {
      GraphContext ctx = GraphContext.inference(graph, seed);
      this.images = backbone.createInput(ctx, "images");
      this.features = backbone.build(ctx, preprocess.apply(ctx.tf(), images));
      this.session = sessionConfig == null ? new Session(graph) : new Session(graph, sessionConfig);
      try {
        session.initialize();
        backbone.initialize(session);
      } catch (RuntimeException e) {
        session.close();
        throw e;
      }
    } catch (RuntimeException e) {
      graph.close();
      throw e;
    }
  }

  /** The backbone whose features this computes. */
  public Backbone backbone() {
    return backbone;
  }

  /** Features of one batch, row-major {@code [n, D]}. */
  public float[] features(TFloat32 batch) {
    try (Result r = session.runner().feed(images, batch).fetch(features).run()) {
      TFloat32 f = (TFloat32) r.get(0);
      float[] out = new float[(int) f.shape().size()];
      f.asRawTensor().data().asFloats().read(out);
      return out;
    }
  }

  /** Features of every image of {@code split}, in order, row-major {@code [split.size(), D]}. */
  public FeatureCache extract(ImageDataset split, int batchSize) {
    int d = (int) backbone.featureSize();
    float[] all = new float[split.size() * d];
    long start = System.nanoTime();
    int at = 0;
    try (BatchStream stream = BatchStream.builder(split).batchSize(batchSize).normalize(Normalization.UNIT)
        .prefetch(2).dropLast(false).build()) {
      while (stream.hasNext()) {
        try (Batch batch = stream.next()) {
          float[] f = features(batch.images());
          System.arraycopy(f, 0, all, at, f.length);
          at += f.length;
        }
      }
    }
    if (at != all.length) {
      throw new IllegalStateException("feature extraction of " + split.name() + " gave " + at / d
          + " rows for " + split.size() + " images");
    }
    return new FeatureCache(all, split.labels(), d, (System.nanoTime() - start) / 1e9);
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
