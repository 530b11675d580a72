package dev.spinal.benchmarks;

import dev.spinal.core.GraphContext;
import dev.spinal.core.backbones.Backbone;
import dev.spinal.core.heads.HeadKind;
import dev.spinal.core.heads.HeadSpec;
import dev.spinal.core.model.Model;
import dev.spinal.datasets.DatasetSplits;
import dev.spinal.datasets.ImageDataset;
import dev.spinal.train.Backbones;
import dev.spinal.train.Optimizer;
import dev.spinal.train.OptimizerKind;
import dev.spinal.train.Runs;
import dev.spinal.train.TrainConfig;
import dev.spinal.train.TrainResult;
import dev.spinal.train.Trainer;
import dev.spinal.train.batches.FeatureCache;
import dev.spinal.train.batches.FeatureExtractor;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.family.TFloating;

/**
 * Transfer-learning measurements on Fashion-MNIST: (1) the frozen-feature speed-up, head training on
 * cached features vs running the frozen backbone on every step (as the paper's scripts do); (2) the
 * transfer comparison, pretrained backbones (frozen with each head, and fine-tuned) vs VGG-5 and
 * pixels from scratch, on few labels of some classes. Every row trains through {@link Runs}, as
 * {@code spinal train} does; a row's seconds are its whole run (feature caching included).
 */
public final class TransferBench {

  /**
   * @param backbones pretrained backbones: names {@code --backbone} takes, or SavedModel folders
   * @param classes the Fashion-MNIST classes of the task, relabelled 0..k-1
   * @param perClass labelled training (and validation) images per class
   * @param testPerClass test images per class, 0 for all of the test split's
   */
  public record Settings(List<String> backbones, int[] classes, int perClass, int testPerClass, int epochs,
      long seed) {}

  /** One run of the comparison. */
  public record Row(String label, TrainConfig config) {}

  private final Settings settings;
  private final PrintStream out;

  public TransferBench(Settings settings, PrintStream out) {
    this.settings = settings;
    this.out = out;
  }

  /** The comparison's runs: per pretrained backbone, frozen with each head and fine-tuned; then from scratch. */
  public List<Row> rows() {
    List<Row> rows = new ArrayList<>();
    for (String b : settings.backbones()) {
      String name = Path.of(b).getFileName().toString();
      for (HeadKind head : List.of(HeadKind.PROGRESSIVE, HeadKind.SPINAL, HeadKind.DENSE)) {
        rows.add(new Row(name + " frozen + " + head.cliName(), config(b, head, false)));
      }
      rows.add(new Row(name + " fine-tuned + " + HeadKind.PROGRESSIVE.cliName(),
          config(b, HeadKind.PROGRESSIVE, true)));
    }
    rows.add(new Row("vgg5 from scratch + " + HeadKind.PROGRESSIVE.cliName(),
        config("vgg5", HeadKind.PROGRESSIVE, false)));
    rows.add(new Row("pixels (flatten) from scratch + " + HeadKind.PROGRESSIVE.cliName(),
        config("flatten", HeadKind.PROGRESSIVE, false)));
    return rows;
  }

  private TrainConfig config(String backbone, HeadKind head, boolean fineTune) {
    return TrainConfig.builder().dataset("fashion-mnist").backbone(backbone).head(head).width(64).depth(4)
        .dropout(0.2).optimizer(OptimizerKind.ADAM).learningRate(0.001).batchSize(32)
        .epochs(settings.epochs()).seed(settings.seed()).keepCheckpoints(1).fineTune(fineTune).build();
  }

  /** Runs every row on the task cut from {@code full} and prints the table. */
  public void compare(DatasetSplits full) throws IOException {
    DatasetSplits task = new DatasetSplits(subset(full.train(), "train", settings.perClass()),
        subset(full.validation(), "validation", settings.perClass()), subset(full.test(), "test", settings.testPerClass()),
        full.info());
    out.printf("%ntransfer: Fashion-MNIST classes %s, %d labelled training images (%d per class), %d"
            + " validation, %d test images; %d epochs, Adam 0.001, batch 32, width 64, depth 4, dropout 0.2,"
            + " seed %d; result = test accuracy at the best validation epoch; seconds = the whole run%n",
        Arrays.toString(settings.classes()), task.train().size(), settings.perClass(), task.validation().size(),
        task.test().size(), settings.epochs(), settings.seed());
    Path tmp = Files.createTempDirectory("spinal-transfer-bench-");
    PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
    out.printf("%-52s %9s %9s %8s %9s%n", "model", "test acc", "val acc", "epoch", "seconds");
    int i = 0;
    for (Row row : rows()) {
      Runs.Options options = Runs.Options.of(tmp.resolve("run" + i++)).withProgress(false).withLog(quiet);
      TrainResult r = Runs.start(row.config(), options, task);
      out.printf("%-52s %8.2f%% %8.2f%% %8d %9.1f%n", row.label(), 100 * r.testAccuracy(),
          100 * r.validationAccuracy(), r.bestEpoch(), r.seconds());
    }
  }

  /**
   * Per-epoch seconds of head training on cached features vs backbone + head on every step, both
   * through the trainer's loop (its epoch time excludes evaluation), for {@code backbone}.
   */
  public void speed(String backbone, ImageDataset train) {
    Backbone frozenBackbone = Backbones.resolve(backbone, train.height(), train.width(), train.channels());
    HeadSpec spec = HeadSpec.builder().inputSize(frozenBackbone.featureSize()).width(64).depth(4).classes(10)
        .dropout(0.2).build();
    Model frozen = Model.builder().backbone(frozenBackbone).head(HeadKind.PROGRESSIVE.create(spec)).build();
    ImageDataset validation = train.first(64);
    long seed = settings.seed();
    Trainer trainer = Trainer.builder().optimizer(Optimizer.adam(0.001)).batchSize(64).epochs(3).seed(seed).build();
    FeatureCache cache;
    try (FeatureExtractor fx = new FeatureExtractor(frozen, seed, null)) {
      fx.extract(train.first(Math.min(512, train.size())), 256); // warm-up
      cache = fx.extract(train, 256);
    }
    // epochs 2 and 3: the first pays for graph optimisation and allocation
    TrainResult onFeatures = trainer.fit(frozen, train, validation);
    double headEpoch = (onFeatures.history().get(1).seconds() + onFeatures.history().get(2).seconds()) / 2;
    TrainResult full = trainer.toBuilder().epochs(2).build()
        .fit(frozen.withBackbone(new RecomputedEveryStep(frozenBackbone)), train, validation);
    double fullEpoch = full.history().get(1).seconds();
    out.printf("speed: %s (frozen) + progressive head (width 64, depth 4), batch 64, %d training images, 2 CPU"
        + " threads as scheduled by TF%n", frozenBackbone.name(), train.size());
    out.printf("  features once (backbone forward, batch 256): %.2f s (%.0f images/s)%n", cache.seconds(),
        train.size() / cache.seconds());
    out.printf("  epoch, head on cached features:              %.3f s (%.0f images/s)%n", headEpoch,
        train.size() / headEpoch);
    out.printf("  epoch, frozen backbone run on every step:    %.3f s (%.0f images/s)%n", fullEpoch,
        train.size() / fullEpoch);
    for (int e : new int[] {1, 10, 30}) {
      double cached = cache.seconds() + e * headEpoch;
      double recompute = e * fullEpoch;
      out.printf("  %2d epochs: cached %.1f s vs recomputed %.1f s: %.1fx%n", e, cached, recompute,
          recompute / cached);
    }
  }

  /**
   * A frozen backbone that reports itself trainable, so that the trainer runs it on every step (and,
   * with no trainable variable in it, only the head's weights change).
   */
  private record RecomputedEveryStep(Backbone inner) implements Backbone {
    @Override
    public Shape imageShape() {
      return inner.imageShape();
    }

    @Override
    public long featureSize() {
      return inner.featureSize();
    }

    @Override
    public <T extends TFloating> Operand<T> build(GraphContext ctx, Operand<T> images) {
      return inner.build(ctx, images);
    }

    @Override
    public Placeholder<TFloat32> createInput(GraphContext ctx, String name) {
      return inner.createInput(ctx, name);
    }

    @Override
    public boolean preprocessesItself() {
      return inner.preprocessesItself();
    }

    @Override
    public void initialize(Session session) {
      inner.initialize(session);
    }

    @Override
    public long parameterCount() {
      return inner.parameterCount();
    }

    @Override
    public long flopsPerExample() {
      return inner.flopsPerExample();
    }

    @Override
    public String name() {
      return inner.name();
    }
  }

  /** The first {@code limitPerClass} images (all if <= 0) of each of the task's classes, relabelled. */
  ImageDataset subset(ImageDataset split, String name, int limitPerClass) {
    int[] classes = settings.classes();
    int[] labels = split.labels();
    List<Integer> keep = new ArrayList<>();
    int[] taken = new int[classes.length];
    for (int i = 0; i < labels.length; i++) {
      for (int k = 0; k < classes.length; k++) {
        if (labels[i] == classes[k] && (limitPerClass <= 0 || taken[k] < limitPerClass)) {
          taken[k]++;
          keep.add(i);
        }
      }
    }
    int n = keep.size();
    int bytes = split.imageBytes();
    byte[] pixels = new byte[n * bytes];
    int[] newLabels = new int[n];
    for (int j = 0; j < n; j++) {
      int i = keep.get(j);
      split.copyImage(i, pixels, j * bytes);
      for (int k = 0; k < classes.length; k++) {
        if (labels[i] == classes[k]) {
          newLabels[j] = k;
        }
      }
    }
    List<String> names = new ArrayList<>();
    for (int c : classes) {
      names.add(split.classNames().get(c));
    }
    return ImageDataset.of(name, pixels, split.height(), split.width(), split.channels(), newLabels, names);
  }
}
