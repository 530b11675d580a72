package dev.spinal.train.transfer;

import dev.spinal.core.GraphContext;
import dev.spinal.datasets.Batch;
import dev.spinal.datasets.BatchStream;
import dev.spinal.datasets.ImageDataset;
import dev.spinal.datasets.Normalization;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;

/**
 * Runs a {@link SavedModelBackbone} (with its preprocessing) in a graph of its own, in inference
 * mode: images {@code [n, H, W, C]} (pixels / 255) to features {@code [n, D]}. Frozen-backbone
 * training computes every image's features once with it ({@link FeatureCache}).
 */
public final class FeatureExtractor implements AutoCloseable {

  private final SavedModelBackbone backbone;
  private final Graph graph;
  private final Session session;
  private final SavedModelBackbone.Imported imported;

  public FeatureExtractor(SavedModelBackbone backbone, ConfigProto sessionConfig) {
    this.backbone = backbone;
    this.graph = new Graph();
    try {
      GraphContext ctx = GraphContext.inference(graph, 0);
      this.imported = backbone.importInto(ctx);
      this.session = sessionConfig == null ? new Session(graph) : new Session(graph, sessionConfig);
      session.initialize();
      backbone.restoreWeights(session);
    } catch (RuntimeException e) {
      graph.close();
      throw e;
    }
  }

  /** Features of one batch, row-major {@code [n, D]}. */
  public float[] features(TFloat32 images) {
    try (Result r = session.runner().feed(imported.images(), images).fetch(imported.features()).run()) {
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
    session.close();
    graph.close();
  }
}
