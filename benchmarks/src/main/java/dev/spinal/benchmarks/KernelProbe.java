package dev.spinal.benchmarks;

import dev.spinal.core.GraphContext;
import dev.spinal.core.backbones.Vgg5Backbone;
import dev.spinal.core.model.ModelGraph;
import dev.spinal.core.runtime.OneDnn;
import java.util.Arrays;
import java.util.Random;
import org.tensorflow.Result;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

/**
 * A quick measurement of this process's TensorFlow kernels, for choosing {@code TF_ENABLE_ONEDNN_OPTS}
 * (which TensorFlow reads only at start-up, so the launcher runs this once per setting, in a JVM of
 * its own): VGG-5 + ProgressiveSpinal training images/s at batch 64, and the inference graph's
 * batch-1 latency (median). Prints one line of JSON: {@code {"onednn":true,"train_images_per_second":
 * 83.1,"infer_b1_ms":8.9}}.
 */
public final class KernelProbe {

  private KernelProbe() {}

  public static void main(String[] args) {
    int trainSteps = args.length > 0 ? Integer.parseInt(args[0]) : 12;
    int latencyCalls = args.length > 1 ? Integer.parseInt(args[1]) : 200;
    double train;
    try (SpinalSpeed.Bench bench = new SpinalSpeed.Bench(new Vgg5Backbone(), 64, 10, 64,
        SpinalSpeed.threads(0, 0))) {
      train = bench.rate(3, trainSteps);
    }
    double latency = latencyMs(latencyCalls);
    System.out.printf("{\"onednn\":%s,\"train_images_per_second\":%.2f,\"infer_b1_ms\":%.3f}%n",
        OneDnn.current().on(), train, latency);
  }

  private static double latencyMs(int calls) {
    try (ModelGraph graph = ModelGraph.build(SpinalSpeed.model(new Vgg5Backbone(), 64, 10),
        GraphContext.Mode.INFERENCE, 1, null)) {
      graph.refreshDerived();
      float[] x = new float[28 * 28];
      Random random = new Random(1);
      for (int i = 0; i < x.length; i++) {
        x[i] = random.nextFloat();
      }
      double[] ms = new double[calls];
      try (TFloat32 image = TFloat32.tensorOf(Shape.of(1, 28, 28, 1), DataBuffers.of(x, true, false))) {
        for (int i = -20; i < calls; i++) {
          long t0 = System.nanoTime();
          try (Result r = graph.session().runner().feed(graph.images(), image)
              .fetch(graph.classifier().probabilities()).run()) {
            if (i >= 0) {
              ms[i] = (System.nanoTime() - t0) / 1e6;
            }
          }
        }
      }
      Arrays.sort(ms);
      return ms[calls / 2];
    }
  }
}
