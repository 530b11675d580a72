package dev.spinal.benchmarks;

import dev.spinal.core.backbones.Backbone;
import dev.spinal.core.heads.HeadSpec;
import dev.spinal.core.heads.ProgressiveSpinalHead;
import dev.spinal.train.Optimizer;
import dev.spinal.train.Precision;
import dev.spinal.train.TrainingGraph;
import java.util.Random;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Training speed of Spinal's own training graph ({@link TrainingGraph}: the trainer's graph, Adam
 * lr 0.001, dropout 0.2, batch-norm updates) on one fixed random batch fed from Java, the way
 * {@code spinal bench} measures it.
 */
public final class SpinalSpeed {

  private SpinalSpeed() {}

  /** The progressive head of the speed rows: width {@code width}, depth 4, dropout 0.2. */
  public static dev.spinal.core.model.Model model(Backbone backbone, long width, int classes) {
    HeadSpec spec = HeadSpec.builder().inputSize(backbone.featureSize()).width(width).depth(4).classes(classes)
        .dropout(0.2).build();
    return dev.spinal.core.model.Model.builder().backbone(backbone).head(new ProgressiveSpinalHead(spec)).build();
  }

  /** A training graph of {@link #model} with Adam at 0.001, seed 1, float32. */
  public static TrainingGraph trainingGraph(Backbone backbone, long width, int classes, ConfigProto session) {
    return TrainingGraph.build(model(backbone, width, classes), Optimizer.adam(0.001), 1, Precision.FP32, session);
  }

  /** Session config with the given thread pools (0 = TensorFlow's default). */
  public static ConfigProto threads(int intra, int inter) {
    return ConfigProto.newBuilder()
        .setIntraOpParallelismThreads(intra)
        .setInterOpParallelismThreads(inter)
        .build();
  }

  /** A model of {@code backbone} + progressive head, its fixed batch, ready to step. */
  public static final class Bench implements AutoCloseable {
    final TrainingGraph graph;
    final TFloat32 images;
    final TInt32 labels;
    final int batch;
    long step;

    public Bench(Backbone backbone, long width, int classes, int batch, ConfigProto session) {
      this.batch = batch;
      Shape hwc = backbone.imageShape();
      float[] x = new float[(int) (hwc.size() * batch)];
      Random random = new Random(1);
      for (int i = 0; i < x.length; i++) {
        x[i] = random.nextFloat();
      }
      int[] y = new int[batch];
      for (int i = 0; i < batch; i++) {
        y[i] = random.nextInt(classes);
      }
      TrainingGraph g = trainingGraph(backbone, width, classes, session);
      try {
        this.images = TrainingGraph.imagesTensor(x, batch, hwc);
        this.labels = TInt32.tensorOf(Shape.of(batch), DataBuffers.of(y, true, false));
      } catch (RuntimeException e) {
        g.close();
        throw e;
      }
      this.graph = g;
    }

    /** Runs {@code steps} training steps; returns the last loss. */
    public double steps(int steps) {
      double loss = Double.NaN;
      for (int s = 0; s < steps; s++) {
        loss = graph.trainStep(images, labels, step++).loss();
      }
      return loss;
    }

    /** Images/s over {@code steps} timed steps after {@code warmup} untimed ones. */
    public double rate(int warmup, int steps) {
      steps(warmup);
      long start = System.nanoTime();
      steps(steps);
      return (double) steps * batch / ((System.nanoTime() - start) / 1e9);
    }

    /** One training step with TensorFlow's full trace on (see {@link TrainingGraph#traceStep}). */
    public org.tensorflow.proto.RunMetadata traceStep() {
      return graph.traceStep(images, labels, step++);
    }

    /** Images per step. */
    public int batch() {
      return batch;
    }

    /** The training graph (its inference twin is what an export writes). */
    public TrainingGraph graph() {
      return graph;
    }

    @Override
    public void close() {
      images.close();
      labels.close();
      graph.close();
    }
  }
}
