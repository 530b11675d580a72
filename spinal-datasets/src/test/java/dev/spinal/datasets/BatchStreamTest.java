package dev.spinal.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

class BatchStreamTest {
  /** 100 images of 6x5x2 whose pixels encode (image, y, x, c); label = image % 4. */
  static ImageDataset synthetic(int n, int h, int w, int c) {
    byte[] px = new byte[n * h * w * c];
    for (int i = 0; i < px.length; i++) {
      px[i] = (byte) ((i * 31 + i / (h * w * c)) & 0xff);
    }
    int[] labels = IntStream.range(0, n).map(i -> i % 4).toArray();
    return ImageDataset.of("synthetic", px, h, w, c, labels, List.of("a", "b", "c", "d"));
  }

  static float[] floats(TFloat32 t) {
    float[] out = new float[(int) t.shape().size()];
    t.copyTo(org.tensorflow.ndarray.buffer.DataBuffers.of(out, false, false));
    return out;
  }

  static int[] ints(Batch b) {
    int[] out = new int[b.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = b.labels().getInt(i);
    }
    return out;
  }

  @Test
  void shapesNormalizationAndLastBatch() {
    ImageDataset ds = synthetic(100, 6, 5, 2);
    Normalization norm = Normalization.of(new float[] {0.5f, 0.25f}, new float[] {0.5f, 2f});
    List<Batch> all = new ArrayList<>();
    try (BatchStream s = BatchStream.builder(ds).batchSize(32).normalize(norm).prefetch(2).build()) {
      assertThat(s.numBatches()).isEqualTo(4);
      while (s.hasNext()) {
        all.add(s.next());
      }
    }
    try {
      assertThat(all).extracting(Batch::size).containsExactly(32, 32, 32, 4);
      assertThat(all.get(0).images().shape()).isEqualTo(Shape.of(32, 6, 5, 2));
      assertThat(all.get(3).labels().shape()).isEqualTo(Shape.of(4));
      // Unshuffled: batch 1 holds images 32..63; check every value of image 40.
      float[] v = floats(all.get(1).images());
      byte[] img = ds.image(40);
      int off = (40 - 32) * 60;
      for (int k = 0; k < 60; k++) {
        int c = k % 2;
        float expected = ((img[k] & 0xff) / 255f - norm.mean()[c]) / norm.std()[c];
        assertThat(v[off + k]).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-5f));
      }
      assertThat(ints(all.get(1))[8]).isEqualTo(40 % 4);
    } finally {
      all.forEach(Batch::close);
    }
    assertThat(all).allMatch(Batch::isClosed);
  }

  @Test
  void dropLast() {
    try (BatchStream s = BatchStream.builder(synthetic(100, 2, 2, 1)).batchSize(32).dropLast(true).build()) {
      assertThat(s.numBatches()).isEqualTo(3);
      int n = 0;
      while (s.hasNext()) {
        try (Batch b = s.next()) {
          assertThat(b.size()).isEqualTo(32);
          n++;
        }
      }
      assertThat(n).isEqualTo(3);
    }
  }

  @Test
  void shuffleIsAPermutationAndSeeded() {
    ImageDataset ds = synthetic(100, 2, 2, 1);
    List<Integer> a = order(ds, 5, 0, 2);
    List<Integer> b = order(ds, 5, 0, 0);
    List<Integer> c = order(ds, 6, 0, 2);
    List<Integer> d = order(ds, 5, 1, 2);
    assertThat(a).isEqualTo(b);
    assertThat(new HashSet<>(a)).hasSize(100);
    assertThat(a).isNotEqualTo(c).isNotEqualTo(d).isNotEqualTo(IntStream.range(0, 100).boxed().toList());
  }

  private static List<Integer> order(ImageDataset ds, long seed, int epoch, int prefetch) {
    List<Integer> out = new ArrayList<>();
    try (BatchStream s = BatchStream.builder(ds).batchSize(7).shuffle(seed).epoch(epoch).prefetch(prefetch)
        .build()) {
      while (s.hasNext()) {
        try (Batch b = s.next()) {
          for (int i : b.indices()) {
            out.add(i);
          }
          int[] labels = ints(b);
          int[] idx = b.indices();
          for (int j = 0; j < idx.length; j++) {
            assertThat(labels[j]).isEqualTo(ds.label(idx[j]));
          }
        }
      }
    }
    return out;
  }

  @Test
  void augmentedBatchesAreReproducibleAcrossThreadsAndPrefetch() {
    ImageDataset ds = synthetic(64, 28, 28, 1);
    float[] a = firstBatch(ds, 3, 0, 1);
    float[] b = firstBatch(ds, 3, 4, 2);
    float[] c = firstBatch(ds, 4, 2, 2);
    float[] plain = firstBatchPlain(ds);
    assertThat(a).isEqualTo(b);
    assertThat(a).isNotEqualTo(c);
    assertThat(a).isNotEqualTo(plain);
  }

  private static float[] firstBatch(ImageDataset ds, long seed, int prefetch, int workers) {
    try (BatchStream s = BatchStream.builder(ds).batchSize(32).shuffle(seed).prefetch(prefetch).workers(workers)
        .augment(Augmentations.mnistPaperTrain()).normalize(Normalization.MNIST).build();
        Batch batch = s.next()) {
      return floats(batch.images());
    }
  }

  private static float[] firstBatchPlain(ImageDataset ds) {
    try (BatchStream s = BatchStream.builder(ds).batchSize(32).shuffle(3).normalize(Normalization.MNIST).build();
        Batch batch = s.next()) {
      return floats(batch.images());
    }
  }

  @Test
  void closeReleasesPrefetchedBatchesAndStopsWorkers() {
    ImageDataset ds = synthetic(1000, 8, 8, 1);
    BatchStream s = BatchStream.builder(ds).batchSize(10).prefetch(8).build();
    try (Batch b = s.next()) {
      assertThat(b.size()).isEqualTo(10);
    }
    s.close();
    assertThat(s.hasNext()).isFalse();
    assertThatThrownBy(s::next).isInstanceOf(IllegalStateException.class);
    Set<String> names = new HashSet<>();
    Thread.getAllStackTraces().keySet().forEach(t -> names.add(t.getName()));
    assertThat(names).noneMatch(n -> n.startsWith("spinal-batches-") && isAliveNamed(n));
  }

  private static boolean isAliveNamed(String name) {
    return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals(name) && t.isAlive());
  }

  @Test
  void workerErrorsPropagate() {
    ImageDataset ds = synthetic(100, 8, 8, 1);
    Augmentation boom = (h, w, r) -> {
      throw new IllegalStateException("boom in augmentation");
    };
    Augmentation okOnce = new Augmentation() {
      int calls;

      @Override
      public Step plan(int h, int w, java.util.SplittableRandom r) {
        if (calls++ > 0) {
          throw new IllegalStateException("boom in augmentation");
        }
        return new Step(h, w, null);
      }
    };
    assertThatThrownBy(() -> BatchStream.builder(ds).augment(boom).build())
        .hasMessageContaining("boom in augmentation");
    try (BatchStream s = BatchStream.builder(ds).batchSize(10).augment(okOnce).prefetch(2).build()) {
      assertThatThrownBy(s::next).isInstanceOf(IllegalStateException.class).hasMessageContaining("boom");
    }
  }
}
