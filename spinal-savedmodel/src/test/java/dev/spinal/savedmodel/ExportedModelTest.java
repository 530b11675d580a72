package dev.spinal.savedmodel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spinal.core.GraphContext;
import dev.spinal.core.backbones.FlattenBackbone;
import dev.spinal.core.heads.HeadSpec;
import dev.spinal.core.heads.ProgressiveSpinalHead;
import dev.spinal.core.model.Model;
import dev.spinal.core.model.ModelGraph;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.types.TFloat32;

/** An export read back by {@link ExportedModel}: same outputs as the graph, also under concurrent calls. */
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

  @Test
  void concurrentPredictionsEqualSequentialOnes(@TempDir Path dir) throws Exception {
    Path version;
    try (ModelGraph graph = ModelGraph.build(model(), GraphContext.Mode.INFERENCE, 5, null)) {
      version = ModelExporter.export(graph, dir, List.of("a", "b", "c"), Map.of("purpose", "test"));
    }
    assertThat(version).isEqualTo(dir.resolve("1"));
    int threads = 8;
    int calls = 60;
    try (ExportedModel model = ExportedModel.load(dir)) {
      assertThat(model.classNames()).containsExactly("a", "b", "c");
      float[][] expected = new float[calls][];
      for (int i = 0; i < calls; i++) {
        try (TFloat32 x = images(5, i)) {
          expected[i] = model.probabilities(x);
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
              int i = (k + offset * 7) % calls; // threads run different inputs at the same time
              try (TFloat32 x = images(5, i)) {
                if (java.util.Arrays.equals(model.probabilities(x), expected[i])) {
                  same++;
                }
              }
            }
            return same;
          }));
        }
        for (Future<Integer> f : done) {
          assertThat(f.get()).isEqualTo(calls);
        }
      } finally {
        pool.shutdown();
      }
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
