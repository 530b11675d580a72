package dev.spinal.benchmarks;

import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * The practical float32 ceiling of this process's TensorFlow kernels: a 2048 x 2048 by 2048 x 2048
 * MatMul, the densest product TF runs. A model's training rate is reported as a fraction of it
 * (convolutions and products counted analytically), which is comparable across machines of one CPU
 * class where images/s are not.
 */
public final class MatMulCeiling {

  private static final long N = 2048;

  private MatMulCeiling() {}

  /** GFLOP/s of the product over {@code runs} timed runs after 3 untimed ones (20 is ~1 s on 2 cores). */
  public static double gflops(int runs) {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Ops init = tf.withInitScope();
      Variable<TFloat32> a = tf.variable(init.random.randomUniform(init.constant(new long[] {N, N}), TFloat32.class));
      Variable<TFloat32> b = tf.variable(init.random.randomUniform(init.constant(new long[] {N, N}), TFloat32.class));
      var product = tf.linalg.matMul(a, b);
      try (Session s = new Session(g)) {
        s.initialize();
        for (int i = 0; i < 3; i++) {
          s.runner().addTarget(product).run();
        }
        long start = System.nanoTime();
        for (int i = 0; i < runs; i++) {
          s.runner().addTarget(product).run();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return runs * 2.0 * N * N * N / seconds / 1e9;
      }
    }
  }
}
