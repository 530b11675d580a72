package dev.spinal.benchmarks;

import dev.spinal.datasets.Augmentations;
import dev.spinal.datasets.Batch;
import dev.spinal.datasets.BatchStream;
import dev.spinal.datasets.DataOptions;
import dev.spinal.datasets.DatasetSplits;
import dev.spinal.datasets.Datasets;
import dev.spinal.datasets.ImageDataset;
import dev.spinal.datasets.Normalization;
import dev.spinal.datasets.io.IdxReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * Input-pipeline benchmark (not a test). Needs Fashion-MNIST (Debian's {@code dataset-fashion-mnist}, or
 * {@code -Dspinal.data=DIR} holding the four .gz files).
 *
 * <pre>
 * mvn -q -pl spinal-datasets -am install -DskipTests
 * mvn -q -pl spinal-datasets exec:java -Dexec.mainClass=dev.spinal.benchmarks.PipelineBench
 * </pre>
 *
 * Measures: decoding the training images from .gz; batches of 64 normalized without augmentation; with the
 * MNIST scripts' augmentation (perspective + rotation); the transfer scripts' chain on 96x96 RGB to 224x224; and
 * the cost of feeding a batch into a TF session, to compare with an in-graph pipeline.
 */
public final class PipelineBench {
  private PipelineBench() {}

  public static void main(String[] args) {
    Path dir = Path.of(System.getProperty("spinal.data", "/usr/share/datasets/fashion-mnist"));
    int cores = Runtime.getRuntime().availableProcessors();
    System.out.printf(Locale.ROOT, "cores: %d, java %s, data %s%n", cores, System.getProperty("java.version"), dir);

    Path images = dir.resolve("train-images-idx3-ubyte.gz");
    if (!Files.exists(images)) {
      throw new IllegalStateException(images + " missing: apt-get install dataset-fashion-mnist");
    }
    report("decode train-images .gz (47 MB payload)", "s", 7,
        () -> time(() -> IdxReader.readImages(images, null).count()));
    report("decode train-images .gz + SHA-256 of payload", "s", 5,
        () -> time(() -> IdxReader.readImages(images, "SHA-256").count()));
    report("Datasets.load fashion-mnist (4 files, verified)", "s", 5,
        () -> time(() -> Datasets.load("fashion-mnist", DataOptions.builder().path(dir).build()).train().size()));

    DatasetSplits data = Datasets.load("fashion-mnist", DataOptions.builder().path(dir).validationSize(0).build());
    ImageDataset train = data.train();
    for (int workers : new int[] {1, cores}) {
      int w = workers;
      report("batches of 64, normalized, no augmentation, " + w + " worker(s)", "images/s", 5,
          () -> imagesPerSecond(train, false, w));
    }
    for (int workers : new int[] {1, cores}) {
      int w = workers;
      report("batches of 64, perspective + rotation(10), " + w + " worker(s)", "images/s", 5,
          () -> imagesPerSecond(train, true, w));
    }
    ImageDataset rgb = synthetic(2000, 96, 96, 3);
    report("transfer chain 96x96x3 -> resize 230, rot 15, crop 224, flip; batch 64, " + cores + " workers",
        "images/s", 3, () -> transferPerSecond(rgb, cores));
    report("feed one 64x28x28x1 batch into a TF session and fetch a reduce_sum", "ms/batch", 5,
        () -> feedMillis(train));
  }

  static double time(Supplier<Integer> work) {
    long t0 = System.nanoTime();
    int n = work.get();
    if (n < 0) {
      throw new IllegalStateException();
    }
    return (System.nanoTime() - t0) / 1e9;
  }

  static void report(String what, String unit, int repeats, Supplier<Double> run) {
    run.get(); // warm-up
    List<Double> xs = new ArrayList<>();
    for (int i = 0; i < repeats; i++) {
      xs.add(run.get());
    }
    Collections.sort(xs);
    System.out.printf(Locale.ROOT, "%-82s median %,12.3f %s  (min %,.3f, max %,.3f, n=%d)%n", what,
        xs.get(xs.size() / 2), unit, xs.get(0), xs.get(xs.size() - 1), repeats);
  }

  static double imagesPerSecond(ImageDataset ds, boolean augment, int workers) {
    long t0 = System.nanoTime();
    long n = 0;
    BatchStream.Builder b = BatchStream.builder(ds).batchSize(64).shuffle(1).normalize(Normalization.MNIST)
        .prefetch(2 * workers).workers(workers);
    if (augment) {
      b.augment(Augmentations.mnistPaperTrain());
    }
    try (BatchStream s = b.build()) {
      while (s.hasNext()) {
        try (Batch batch = s.next()) {
          n += batch.size();
        }
      }
    }
    return n / ((System.nanoTime() - t0) / 1e9);
  }

  static double transferPerSecond(ImageDataset ds, int workers) {
    long t0 = System.nanoTime();
    long n = 0;
    try (BatchStream s = BatchStream.builder(ds).batchSize(64).shuffle(1).normalize(Normalization.PAPER_TRANSFER)
        .augment(Augmentations.transferPaperTrain(230, 224)).prefetch(2 * workers).workers(workers).build()) {
      while (s.hasNext()) {
        try (Batch batch = s.next()) {
          n += batch.size();
        }
      }
    }
    return n / ((System.nanoTime() - t0) / 1e9);
  }

  static double feedMillis(ImageDataset ds) {
    try (Graph g = new Graph(); Session session = new Session(g)) {
      Ops tf = Ops.create(g);
      Placeholder<TFloat32> x = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 28, 28, 1)));
      var sum = tf.sum(x, tf.constant(new int[] {0, 1, 2, 3}));
      int batches = 200;
      long t0 = System.nanoTime();
      try (BatchStream s = BatchStream.builder(ds.first(64 * batches)).batchSize(64).normalize(Normalization.MNIST)
          .prefetch(0).build()) {
        while (s.hasNext()) {
          try (Batch b = s.next(); Result r = session.runner().feed(x, b.images()).fetch(sum).run()) {
            if (r.size() != 1) {
              throw new IllegalStateException();
            }
          }
        }
      }
      return (System.nanoTime() - t0) / 1e6 / batches;
    }
  }

  static ImageDataset synthetic(int n, int h, int w, int c) {
    byte[] px = new byte[n * h * w * c];
    for (int i = 0; i < px.length; i++) {
      px[i] = (byte) (i * 17 + (i >> 11));
    }
    int[] labels = IntStream.range(0, n).map(i -> i % 10).toArray();
    return ImageDataset.of("synthetic", px, h, w, c, labels,
        IntStream.range(0, 10).mapToObj(Integer::toString).toList());
  }
}
