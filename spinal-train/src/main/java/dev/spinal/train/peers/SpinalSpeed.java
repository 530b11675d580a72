package dev.spinal.train.peers;

import dev.spinal.core.backbones.Backbone;
import dev.spinal.core.heads.HeadKind;
import dev.spinal.train.OptimizerKind;
import dev.spinal.train.TrainConfig;
import dev.spinal.train.TrainingGraph;
import java.util.Arrays;
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

  public static TrainConfig config(long width, int batch) {
    return new TrainConfig("bench", null, 0, "bench", HeadKind.PROGRESSIVE, width, 4, 0.2, false,
        OptimizerKind.ADAM, 0.001, 0.9, batch, 1, "constant", 1, false, 1);
  }

  /** Session config with the given thread pools (0 = TensorFlow's default). */
  static ConfigProto threads(int intra, int inter) {
    return ConfigProto.newBuilder()
        .setIntraOpParallelismThreads(intra)
        .setInterOpParallelismThreads(inter)
        .build();
  }

  /** A model of {@code backbone} + progressive head, its fixed batch, ready to step. */
  public static final class Model implements AutoCloseable {
    final TrainingGraph graph;
    final TFloat32 images;
    final TInt32 labels;
    final int batch;
    long step;

    public Model(Backbone backbone, long width, int classes, int batch, ConfigProto session) {
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
      int c = (int) hwc.get(2);
      float[] mean = new float[c];
      float[] std = new float[c];
      Arrays.fill(std, 1f);
      TrainingGraph g = TrainingGraph.build(config(width, batch), backbone, classes, mean, std, session);
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
    double rate(int warmup, int steps) {
      steps(warmup);
      long start = System.nanoTime();
      steps(steps);
      return (double) steps * batch / ((System.nanoTime() - start) / 1e9);
    }

    @Override
    public void close() {
      images.close();
      labels.close();
      graph.close();
    }
  }
}
