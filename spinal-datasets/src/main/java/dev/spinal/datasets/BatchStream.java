package dev.spinal.datasets;

import com.google.common.base.Preconditions;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * One epoch of an {@link ImageDataset} as a sequence of {@link Batch}es of TF Java tensors: images float32
 * {@code [b, h, w, c]} (NHWC; {@code h, w} after augmentation) and labels int32 {@code [b]}.
 *
 * <pre>{@code
 * try (BatchStream s = BatchStream.builder(train).batchSize(64).shuffle(seed).epoch(e)
 *     .augment(Augmentations.mnistPaperTrain()).normalize(Normalization.MNIST).prefetch(2).build()) {
 *   while (s.hasNext()) {
 *     try (Batch b = s.next()) {
 *       // feed b.images(), b.labels()
 *     }
 *   }
 * }
 * }</pre>
 *
 * <p>Determinism: the order is a Fisher-Yates permutation seeded by (seed, epoch); each image's augmentation
 * draws come from a generator seeded by (seed, epoch, position in the epoch). Batches are therefore identical for
 * the same seed and epoch whatever the number of worker threads or the prefetch depth.
 *
 * <p>Prefetch: with {@code prefetch(n > 0)}, up to {@code n} batches are prepared ahead by background worker
 * threads (default: one per core), handed out in order; a worker's failure is rethrown by {@link #next()}.
 * {@link #close()} stops the workers and closes every prepared batch that was not handed out. With
 * {@code prefetch(0)} batches are built on the caller's thread.
 *
 * <p>Pixels go into a reused per-thread {@code float[]}, then into the tensor with one bulk copy: no boxing, no
 * per-element calls.
 */
public final class BatchStream implements Iterator<Batch>, AutoCloseable {
  private static final AtomicInteger THREADS = new AtomicInteger();
  private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[0]);

  private final ImageDataset data;
  private final int batchSize;
  private final int[] order;
  private final List<Augmentation> augment;
  private final long seed;
  private final int epoch;
  private final int numBatches;
  private final int outH;
  private final int outW;
  private final int channels;
  private final float[] scale;
  private final float[] bias;
  private final float[] lut;
  private final boolean nearest;
  private final int prefetch;
  private final ExecutorService pool;
  private final Deque<Future<Batch>> window = new ArrayDeque<>();
  private int submitted;
  private int delivered;
  private boolean closed;

  private BatchStream(Builder b) {
    this.data = b.data;
    this.batchSize = b.batchSize;
    this.augment = List.copyOf(b.augment);
    this.seed = b.seed;
    this.epoch = b.epoch;
    int n = data.size();
    this.order = b.shuffle ? Splits.permutation(n, new SplittableRandom(mix(b.seed, 0x5eed_0f_5b0ffL, b.epoch)))
        : identity(n);
    this.numBatches = b.dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
    this.channels = data.channels();
    Augmentation.Step probe = plan(new SplittableRandom(0)).step;
    this.outH = probe.height();
    this.outW = probe.width();
    this.scale = b.normalization.scale(channels);
    this.bias = b.normalization.bias(channels);
    this.lut = new float[channels * 256];
    for (int c = 0; c < channels; c++) {
      for (int v = 0; v < 256; v++) {
        lut[c * 256 + v] = v * scale[c] + bias[c];
      }
    }
    this.nearest = b.interpolation == Interpolation.NEAREST;
    this.prefetch = b.prefetch;
    if (prefetch > 0) {
      int workers = b.workers > 0 ? b.workers : Runtime.getRuntime().availableProcessors();
      ThreadFactory tf = r -> {
        Thread t = new Thread(r, "spinal-batches-" + THREADS.incrementAndGet());
        t.setDaemon(true);
        return t;
      };
      this.pool = Executors.newFixedThreadPool(Math.min(workers, prefetch), tf);
      fill();
    } else {
      this.pool = null;
    }
  }

  public static Builder builder(ImageDataset data) {
    return new Builder(data);
  }

  /** Number of batches this stream yields. */
  public int numBatches() {
    return numBatches;
  }

  /** Output image height (after augmentation). */
  public int height() {
    return outH;
  }

  public int width() {
    return outW;
  }

  public int channels() {
    return channels;
  }

  @Override
  public boolean hasNext() {
    return !closed && delivered < numBatches;
  }

  /** The next batch; the caller owns it and must close it. */
  @Override
  public Batch next() {
    Preconditions.checkState(!closed, "stream is closed");
    if (delivered >= numBatches) {
      throw new NoSuchElementException("epoch finished after " + numBatches + " batches");
    }
    if (pool == null) {
      return build(delivered++);
    }
    Future<Batch> f = window.poll();
    Batch batch;
    try {
      batch = f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DatasetException("interrupted while waiting for batch " + delivered, e);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof RuntimeException re) {
        throw re;
      }
      throw new DatasetException("building batch " + delivered + " failed: " + c, c);
    }
    delivered++;
    fill();
    return batch;
  }

  private void fill() {
    while (window.size() < prefetch && submitted < numBatches) {
      int k = submitted++;
      window.add(pool.submit(() -> build(k)));
    }
  }

  /** Stops the workers and closes the batches prepared but not handed out. Idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (pool == null) {
      return;
    }
    pool.shutdownNow();
    try {
      if (!pool.awaitTermination(60, TimeUnit.SECONDS)) {
        throw new DatasetException("batch workers did not stop within 60 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (Future<Batch> f : window) {
      if (f.isDone() && !f.isCancelled()) {
        try {
          f.get().close();
        } catch (ExecutionException | InterruptedException e) {
          // Failed batches own no tensors.
        }
      }
    }
    window.clear();
  }

  private record Plan(Augmentation.Step step, double[] matrix, List<Augmentation.Erase> erased) {}

  private Plan plan(SplittableRandom rng) {
    int h = data.height();
    int w = data.width();
    double[] m = null;
    List<Augmentation.Erase> erased = List.of();
    for (Augmentation a : augment) {
      Augmentation.Step s = a.plan(h, w, rng);
      if (s.inverse() != null) {
        if (!erased.isEmpty()) {
          // an erased rectangle is in the coordinates of the step that drew it: a later warp would have to move it
          throw new IllegalArgumentException("random erasing must come after every geometric augmentation step");
        }
        m = m == null ? s.inverse().clone() : Augmentations.multiply(m, s.inverse());
      }
      if (s.erase() != null) {
        erased = erased.isEmpty() ? new ArrayList<>() : erased;
        erased.add(s.erase());
      }
      h = s.height();
      w = s.width();
    }
    return new Plan(new Augmentation.Step(h, w, null), m, erased);
  }

  /** Sets the rectangle to 0 in every channel of the NHWC image at {@code off}. */
  private static void erase(float[] buf, int off, int width, int channels, Augmentation.Erase e) {
    for (int y = e.top(); y < e.top() + e.height(); y++) {
      int row = off + (y * width + e.left()) * channels;
      Arrays.fill(buf, row, row + e.width() * channels, 0f);
    }
  }

  private Batch build(int k) {
    int start = k * batchSize;
    int b = Math.min(batchSize, data.size() - start);
    int imageFloats = outH * outW * channels;
    int total = b * imageFloats;
    float[] buf = SCRATCH.get();
    if (buf.length < total) {
      buf = new float[total];
      SCRATCH.set(buf);
    }
    int[] indices = Arrays.copyOfRange(order, start, start + b);
    int[] labels = new int[b];
    int h = data.height();
    int w = data.width();
    for (int j = 0; j < b; j++) {
      int i = indices[j];
      labels[j] = data.label(i);
      byte[] src = data.chunk(i);
      int off = data.offset(i);
      Plan p = augment.isEmpty() ? null : plan(new SplittableRandom(mix(seed, epoch, start + j)));
      if (p != null && (p.step.height() != outH || p.step.width() != outW)) {
        throw new DatasetException("augmentation produced " + p.step.height() + "x" + p.step.width()
            + " for image " + i + " but the stream's first image gave " + outH + "x" + outW);
      }
      if (p == null || p.matrix == null && h == outH && w == outW) {
        ImageSampler.copy(src, off, h * w, channels, lut, buf, j * imageFloats);
      } else {
        double[] m = p.matrix != null ? p.matrix : new double[] {1, 0, 0, 0, 1, 0, 0, 0, 1};
        ImageSampler.warp(src, off, h, w, channels, m, outH, outW, buf, j * imageFloats, scale, bias, nearest);
      }
      if (p != null) {
        for (Augmentation.Erase e : p.erased) {
          erase(buf, j * imageFloats, outW, channels, e);
        }
      }
    }
    TFloat32 images = TFloat32.tensorOf(Shape.of(b, outH, outW, channels),
        DataBuffers.of(buf, true, false).narrow(total));
    try {
      TInt32 lbl = TInt32.vectorOf(labels);
      return new Batch(images, lbl, indices, epoch, k);
    } catch (RuntimeException e) {
      images.close();
      throw e;
    }
  }

  private static int[] identity(int n) {
    int[] p = new int[n];
    Arrays.setAll(p, i -> i);
    return p;
  }

  /** SplitMix64-style mixing of a seed with two stream coordinates. */
  static long mix(long seed, long a, long b) {
    return fmix(fmix(fmix(seed) + a) + b);
  }

  private static long fmix(long z) {
    z += 0x9e3779b97f4a7c15L;
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  /** Settings of a {@link BatchStream}; all optional except the dataset. */
  public static final class Builder {
    private final ImageDataset data;
    private int batchSize = 64;
    private boolean shuffle;
    private long seed;
    private int epoch;
    private final List<Augmentation> augment = new ArrayList<>();
    private Normalization normalization = Normalization.UNIT;
    private Interpolation interpolation = Interpolation.BILINEAR;
    private int prefetch = 2;
    private int workers = 0;
    private boolean dropLast;

    private Builder(ImageDataset data) {
      Preconditions.checkArgument(data.size() > 0, "dataset %s is empty", data.name());
      this.data = data;
    }

    public Builder batchSize(int batchSize) {
      Preconditions.checkArgument(batchSize > 0, "batchSize must be positive: %s", batchSize);
      this.batchSize = batchSize;
      return this;
    }

    /** Shuffle with this seed (which also seeds the augmentations). Default: no shuffle, seed 0. */
    public Builder shuffle(long seed) {
      this.shuffle = true;
      this.seed = seed;
      return this;
    }

    /** Seed of the augmentations (and of the shuffle, if on) without turning shuffling on. */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** The epoch number: mixed into the shuffle and augmentation seeds, so each epoch differs reproducibly. */
    public Builder epoch(int epoch) {
      this.epoch = epoch;
      return this;
    }

    /** Appends augmentation steps, applied in order (see {@link Augmentations}). */
    public Builder augment(Augmentation... steps) {
      augment.addAll(Arrays.asList(steps));
      return this;
    }

    public Builder augment(List<Augmentation> steps) {
      augment.addAll(steps);
      return this;
    }

    /** Default {@link Normalization#UNIT} (pixels / 255). */
    public Builder normalize(Normalization normalization) {
      this.normalization = normalization;
      return this;
    }

    public Builder interpolation(Interpolation interpolation) {
      this.interpolation = interpolation;
      return this;
    }

    /** Batches prepared ahead in the background (default 2; 0 = build on the caller's thread). */
    public Builder prefetch(int batches) {
      Preconditions.checkArgument(batches >= 0, "prefetch must be >= 0: %s", batches);
      this.prefetch = batches;
      return this;
    }

    /** Worker threads (default: one per core, at most {@code prefetch}). */
    public Builder workers(int workers) {
      Preconditions.checkArgument(workers >= 0, "workers must be >= 0: %s", workers);
      this.workers = workers;
      return this;
    }

    /** Drop a last batch smaller than {@code batchSize}. Default false. */
    public Builder dropLast(boolean dropLast) {
      this.dropLast = dropLast;
      return this;
    }

    public BatchStream build() {
      return new BatchStream(this);
    }
  }
}
