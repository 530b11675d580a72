package dev.spinal.savedmodel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spinal.core.GraphContext;
import dev.spinal.core.backbones.FlattenBackbone;
import dev.spinal.core.heads.HeadSpec;
import dev.spinal.core.heads.ProgressiveSpinalHead;
import dev.spinal.core.model.Model;
import dev.spinal.core.model.ModelGraph;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.types.TFloat32;

/**
 * An export read back by {@link ExportedModel}: under concurrent calls the same outputs as sequential ones, and a
 * {@code close()} that races with calls ends them with an {@link IllegalStateException}.
 */
class ExportedModelTest {

  static Model model() {
    FlattenBackbone backbone = new FlattenBackbone(4, 4, 1);
    HeadSpec spec = HeadSpec.builder().inputSize(16).width(8).depth(3).classes(3).build();
    return Model.builder().backbone(backbone).head(new ProgressiveSpinalHead(spec)).build();
  }

  static TFloat32 images(int n, int seed) {
    float[] x = new float[n * 16];
    java.util.Random r = new java.util.Random(seed);
    for (int i = 0; i < x.length; i++) {
      x[i] = r.nextFloat();
    }
    return TFloat32.tensorOf(org.tensorflow.ndarray.Shape.of(n, 4, 4, 1),
        org.tensorflow.ndarray.buffer.DataBuffers.of(x, true, false));
  }

  static Path export(Path dir) throws Exception {
    try (ModelGraph graph = ModelGraph.build(model(), GraphContext.Mode.INFERENCE, 5, null)) {
      return ModelExporter.export(graph, dir, List.of("a", "b", "c"), Map.of("purpose", "test"));
    }
  }

  /** Batches of 1 to 4 images, different for each {@code i}. */
  static int batch(int i) {
    return 1 + i % 4;
  }

  @Test
  void concurrentPredictionsEqualSequentialOnes(@TempDir Path dir) throws Exception {
    assertThat(export(dir)).isEqualTo(dir.resolve("1"));
    int threads = 8;
    int calls = 500;
    int inputs = 64;
    try (ExportedModel model = ExportedModel.load(dir)) {
      assertThat(model.classNames()).containsExactly("a", "b", "c");
      float[][] expected = new float[inputs][];
      long[][] expectedClasses = new long[inputs][];
      for (int i = 0; i < inputs; i++) {
        try (TFloat32 x = images(batch(i), i)) {
          expected[i] = model.probabilities(x);
          expectedClasses[i] = model.classify(x);
        }
      }
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        List<Future<Integer>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          int offset = t;
          done.add(pool.submit(() -> {
            int same = 0;
            for (int k = 0; k < calls; k++) {
              int i = (k + offset * 7) % inputs; // threads run different inputs and batch sizes at the same time
              try (TFloat32 x = images(batch(i), i)) {
                boolean equal = k % 2 == 0 ? Arrays.equals(model.probabilities(x), expected[i])
                    : Arrays.equals(model.classify(x), expectedClasses[i]);
                if (equal) {
                  same++;
                }
              }
            }
            return same;
          }));
        }
        for (Future<Integer> f : done) {
          assertThat(f.get()).as("calls bit-identical to the sequential ones").isEqualTo(calls);
        }
      } finally {
        pool.shutdown();
      }
    }
  }

  @Test
  void closeRacingWithCallsEndsThemWithIllegalStateException(@TempDir Path dir) throws Exception {
    export(dir);
    float[] expected;
    try (ExportedModel model = ExportedModel.load(dir); TFloat32 x = images(3, 1)) {
      expected = model.probabilities(x);
    }
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      for (int round = 0; round < 5; round++) {
        ExportedModel model = ExportedModel.load(dir);
        CountDownLatch running = new CountDownLatch(threads);
        List<Future<Integer>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          done.add(pool.submit(() -> {
            int good = 0;
            running.countDown();
            while (true) {
              try (TFloat32 x = images(3, 1)) {
                float[] p = model.probabilities(x);
                assertThat(p).as("a call that was let in runs to the end").containsExactly(expected);
                good++;
              } catch (IllegalStateException e) {
                assertThat(e).hasMessage("the model loaded from " + dir.resolve("1") + " is closed");
                return good;
              }
            }
          }));
        }
        running.await();
        Thread.sleep(20);
        model.close(); // while 8 threads call it
        int good = 0;
        for (Future<Integer> f : done) {
          good += f.get(); // every thread ended with the IllegalStateException, none with anything else
        }
        assertThat(good).isPositive();
        try (TFloat32 x = images(3, 1)) {
          assertThatThrownBy(() -> model.classify(x)).isInstanceOf(IllegalStateException.class)
              .hasMessageEndingWith("is closed");
        }
        model.close(); // idempotent
      }
    } finally {
      pool.shutdown();
    }
  }

  /** An export is readable by other users (a TF Serving running as another user), as ordinary files are. */
  @Test
  void anExportIsReadableByOtherUsers(@TempDir Path dir) throws Exception {
    Path version = export(dir);
    assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(version)))
        .isEqualTo("rwxr-xr-x");
    try (var files = Files.walk(version)) {
      for (Path p : files.toList()) {
        assertThat(Files.getPosixFilePermissions(p)).as(p.toString())
            .contains(java.nio.file.attribute.PosixFilePermission.OTHERS_READ);
      }
    }
  }

  @Test
  void imagesOfTheWrongShapeAreNamed(@TempDir Path dir) throws Exception {
    export(dir);
    try (ExportedModel model = ExportedModel.load(dir);
        TFloat32 x = TFloat32.tensorOf(org.tensorflow.ndarray.Shape.of(2, 5, 4, 1))) {
      assertThatThrownBy(() -> model.classify(x)).isInstanceOf(IllegalArgumentException.class)
          .hasMessage(dir.resolve("1") + " takes images [n, 4, 4, 1], got [2, 5, 4, 1]");
    }
  }

  /** predict() gives classify()'s classes and probabilities()' values in one call, also with a session config. */
  @Test
  void predictGivesClassesAndProbabilitiesInOneCall(@TempDir Path dir) throws Exception {
    try (ModelGraph graph = ModelGraph.build(model(), GraphContext.Mode.INFERENCE, 5, null)) {
      ModelExporter.export(graph, dir, List.of("a", "b", "c"), Map.of());
    }
    var config = org.tensorflow.proto.ConfigProto.newBuilder().setIntraOpParallelismThreads(1)
        .setInterOpParallelismThreads(1).build();
    try (ExportedModel model = ExportedModel.load(dir, config); TFloat32 x = images(7, 3)) {
      ExportedModel.Prediction p = model.predict(x);
      assertThat(p.classes()).containsExactly(model.classify(x));
      assertThat(p.probabilities()).containsExactly(model.probabilities(x));
      assertThat(p.numClasses()).isEqualTo(3);
    }
  }
}
