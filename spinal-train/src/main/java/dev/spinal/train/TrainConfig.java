package dev.spinal.train;

import static com.google.common.base.Preconditions.checkArgument;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonAutoDetect.Visibility;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonPOJOBuilder;
import dev.spinal.core.heads.HeadKind;
import dev.spinal.savedmodel.ModelTrust;
import java.util.Objects;

/**
 * A training run as the command line and {@code --resume} know it, written to {@code config.json} in
 * the run's folder so that {@code --resume} rebuilds the same graph: components are named here by
 * strings and enums ({@code "vgg5"}, {@code PROGRESSIVE}, {@code ADAM}); the data is a registry dataset
 * ({@code dataset}) or a user's own files ({@code data}, with how they are sized and split). The typed API
 * ({@link Trainer}, {@link dev.spinal.core.model.Model}) takes the components themselves;
 * {@link Runs} turns a config into them. Recipes supply defaults; CLI flags override them.
 *
 * <p>Built with {@link #builder()} and named setters; {@link #toBuilder()} copies one. Each field
 * is validated on {@link Builder#build()} with the field's CLI flag in the message.
 */
@JsonAutoDetect(fieldVisibility = Visibility.ANY, getterVisibility = Visibility.NONE,
    isGetterVisibility = Visibility.NONE)
@JsonDeserialize(builder = TrainConfig.Builder.class)
public final class TrainConfig {
  private final Recipe recipe;
  private final String dataset;
  private final String dataPath;
  private final int limit;
  private final String data;
  private final int imageHeight;
  private final int imageWidth;
  private final int channels;
  private final double validationFraction;
  private final double testFraction;
  private final Long splitSeed;
  private final boolean verifyChecksums;
  private final boolean skipBadFiles;
  private final String features;
  private final String backbone;
  private final HeadKind head;
  private final long width;
  private final int depth;
  private final double dropout;
  private final boolean batchNorm;
  private final OptimizerKind optimizer;
  private final double learningRate;
  private final double momentum;
  private final int batchSize;
  private final int epochs;
  private final long maxSteps;
  private final String schedule;
  private final long seed;
  private final AugmentPolicy augmentation;
  private final double labelSmoothing;
  private final double weightAverage;
  private final TestTimeAugmentation testTimeAugmentation;
  private final int evaluateEvery;
  private final int earlyStopping;
  private final double weightDecay;
  private final int keepCheckpoints;
  private final boolean fineTune;
  private final boolean fineTuneBatchNorm;
  private final Precision precision;
  private final ModelTrust savedModelTrust;

  private TrainConfig(Builder b) {
    this.recipe = b.recipe;
    this.dataset = b.dataset;
    this.dataPath = b.dataPath;
    this.limit = b.limit;
    this.data = b.data;
    this.imageHeight = b.imageHeight;
    this.imageWidth = b.imageWidth;
    this.channels = b.channels;
    this.validationFraction = b.validationFraction;
    this.testFraction = b.testFraction;
    this.splitSeed = b.splitSeed;
    this.verifyChecksums = b.verifyChecksums;
    this.skipBadFiles = b.skipBadFiles;
    this.features = b.features;
    this.backbone = b.backbone;
    this.head = b.head;
    this.width = b.width;
    this.depth = b.depth;
    this.dropout = b.dropout;
    this.batchNorm = b.batchNorm;
    this.optimizer = b.optimizer;
    this.learningRate = b.learningRate;
    this.momentum = b.momentum;
    this.batchSize = b.batchSize;
    this.epochs = b.epochs;
    this.maxSteps = b.maxSteps;
    this.schedule = b.schedule;
    this.seed = b.seed;
    this.augmentation = b.augmentation;
    this.labelSmoothing = b.labelSmoothing;
    this.weightAverage = b.weightAverage;
    this.testTimeAugmentation = b.testTimeAugmentation;
    this.evaluateEvery = b.evaluateEvery;
    this.earlyStopping = b.earlyStopping;
    this.weightDecay = b.weightDecay;
    this.keepCheckpoints = b.keepCheckpoints;
    this.fineTune = b.fineTune;
    this.fineTuneBatchNorm = b.fineTuneBatchNorm;
    this.precision = b.precision;
    this.savedModelTrust = b.savedModelTrust;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this config's values. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.recipe = recipe;
    b.dataset = dataset;
    b.dataPath = dataPath;
    b.limit = limit;
    b.data = data;
    b.imageHeight = imageHeight;
    b.imageWidth = imageWidth;
    b.channels = channels;
    b.validationFraction = validationFraction;
    b.testFraction = testFraction;
    b.splitSeed = splitSeed;
    b.verifyChecksums = verifyChecksums;
    b.skipBadFiles = skipBadFiles;
    b.features = features;
    b.backbone = backbone;
    b.head = head;
    b.width = width;
    b.depth = depth;
    b.dropout = dropout;
    b.batchNorm = batchNorm;
    b.optimizer = optimizer;
    b.learningRate = learningRate;
    b.momentum = momentum;
    b.batchSize = batchSize;
    b.epochs = epochs;
    b.maxSteps = maxSteps;
    b.schedule = schedule;
    b.seed = seed;
    b.augmentation = augmentation;
    b.labelSmoothing = labelSmoothing;
    b.weightAverage = weightAverage;
    b.testTimeAugmentation = testTimeAugmentation;
    b.evaluateEvery = evaluateEvery;
    b.earlyStopping = earlyStopping;
    b.weightDecay = weightDecay;
    b.keepCheckpoints = keepCheckpoints;
    b.fineTune = fineTune;
    b.fineTuneBatchNorm = fineTuneBatchNorm;
    b.precision = precision;
    b.savedModelTrust = savedModelTrust;
    return b;
  }

  /**
   * The recipe this config started from (its settings, possibly changed: {@link RecipeOverrides}), or null for a
   * run configured without one.
   */
  public Recipe recipe() {
    return recipe;
  }

  /**
   * Registry dataset key ({@code fashion-mnist}, {@code emnist-letters}, ...), or null when the run trains on a
   * user's own {@link #data()}.
   */
  public String dataset() {
    return dataset;
  }

  /** Explicit dataset folder, or null to resolve (cache, system locations, download). */
  public String dataPath() {
    return dataPath;
  }

  /** Use only the first N images of each split (0 = all); for quick runs and tests. */
  public int limit() {
    return limit;
  }

  /** A user's own data (a folder of class sub-folders or of IDX files, a .npz/.npy or a .csv file; see
   * {@link dev.spinal.datasets.DataSource#detect}), or null for the registry {@link #dataset()}. */
  public String data() {
    return data;
  }

  /** Height a user's images (and image-folder registry datasets) are resized to; 0: the source's own. */
  public int imageHeight() {
    return imageHeight;
  }

  /** Width a user's images are resized to; 0: the source's own. */
  public int imageWidth() {
    return imageWidth;
  }

  /** Channels a user's images are converted to, 1 (grayscale) or 3 (RGB); 0: the source's own. */
  public int channels() {
    return channels;
  }

  /** Fraction of the training images held out (seeded) for validation when the data has no validation split. */
  public double validationFraction() {
    return validationFraction;
  }

  /** Fraction of a user's images held out (seeded, stratified) for test when the data has no test split. */
  public double testFraction() {
    return testFraction;
  }

  /** Seed of the validation and test splits carved from the data, or null for {@link #seed()}. */
  public Long splitSeed() {
    return splitSeed;
  }

  /** Check a registry dataset's files against its published checksums ({@code --no-verify} turns it off). */
  public boolean verifyChecksums() {
    return verifyChecksums;
  }

  /** Leave out (and count) a user's image files that are corrupt or not images, instead of failing. */
  public boolean skipBadFiles() {
    return skipBadFiles;
  }

  /**
   * A folder of a frozen backbone's features computed before (what {@code spinal spark features}
   * writes), read by a {@link dev.spinal.train.batches.FeatureSplitsReader}; null: the run computes the
   * features of {@link #dataset()} or {@link #data()} itself.
   */
  public String features() {
    return features;
  }

  /** The seed of the data's splits: {@link #splitSeed()}, else {@link #seed()}. */
  public long effectiveSplitSeed() {
    return splitSeed != null ? splitSeed : seed;
  }

  /** {@code vgg5}, {@code flatten}, a SavedModel folder, or a pretrained name ({@link PretrainedBackbones}). */
  public String backbone() {
    return backbone;
  }

  /** The head kind. */
  public HeadKind head() {
    return head;
  }

  /** Hidden layer width. */
  public long width() {
    return width;
  }

  /** Hidden layers. */
  public int depth() {
    return depth;
  }

  /** Dropout rate. */
  public double dropout() {
    return dropout;
  }

  /** Linear->BatchNorm->act in each hidden layer. */
  public boolean batchNorm() {
    return batchNorm;
  }

  /** The optimizer. */
  public OptimizerKind optimizer() {
    return optimizer;
  }

  /** Base learning rate. */
  public double learningRate() {
    return learningRate;
  }

  /** SGD momentum. */
  public double momentum() {
    return momentum;
  }

  /** Training batch size. */
  public int batchSize() {
    return batchSize;
  }

  /** Epochs. */
  public int epochs() {
    return epochs;
  }

  /** Training steps in all, ending the run within an epoch if need be (0 = every epoch runs in full). */
  public long maxSteps() {
    return maxSteps;
  }

  /** Learning-rate schedule ({@link Schedule#parse} text). */
  public String schedule() {
    return schedule;
  }

  /** Seed of initialization, data order, augmentation and schedule. */
  public long seed() {
    return seed;
  }

  /** Whether the training images are augmented ({@link #augmentation()} is not {@code NONE}). */
  public boolean augment() {
    return augmentation != AugmentPolicy.NONE;
  }

  /** The training images' augmentation. */
  public AugmentPolicy augmentation() {
    return augmentation;
  }

  /** Label smoothing of the minimized cross-entropy ({@link Trainer.Builder#labelSmoothing}); 0: none. */
  public double labelSmoothing() {
    return labelSmoothing;
  }

  /** The decay of the weight average evaluation and exports use ({@link Trainer.Builder#weightAverage}); 0: none. */
  public double weightAverage() {
    return weightAverage;
  }

  /** The views validation and test accuracy are read from ({@link Trainer.Builder#testTimeAugmentation}). */
  public TestTimeAugmentation testTimeAugmentation() {
    return testTimeAugmentation;
  }

  /** Validation and test are evaluated after every this many epochs and after the last ({@link
   * Trainer.Builder#evaluateEvery}). */
  public int evaluateEvery() {
    return evaluateEvery;
  }

  /** Early stopping's patience, in evaluations without improvement ({@link Trainer.Builder#earlyStopping}); 0: none. */
  public int earlyStopping() {
    return earlyStopping;
  }

  /** Decoupled weight decay on the kernels ({@link Optimizer#withWeightDecay}); 0: none. */
  public double weightDecay() {
    return weightDecay;
  }

  /** How many per-epoch checkpoints to keep (the best is kept besides). */
  public int keepCheckpoints() {
    return keepCheckpoints;
  }

  /** With a SavedModel backbone: train its weights too; otherwise (the default) it is frozen and its features are cached. */
  public boolean fineTune() {
    return fineTune;
  }

  /** With {@link #fineTune}: also train the backbone's batch-norm scale and offset (gamma, beta). */
  public boolean fineTuneBatchNorm() {
    return fineTuneBatchNorm;
  }

  /** Which of a SavedModel backbone's weights the run trains. */
  public dev.spinal.savedmodel.FineTune backboneTraining() {
    return dev.spinal.savedmodel.FineTune.of(fineTune, fineTuneBatchNorm);
  }

  /** Arithmetic of the training steps. */
  public Precision precision() {
    return precision;
  }

  /**
   * With a SavedModel backbone: whether it is audited and refused when it holds ops that reach outside the model
   * ({@link ModelTrust#AUDITED}, the default) or loaded regardless ({@code --trust-savedmodel}). Recorded in
   * {@code config.json}: a resumed run keeps the decision.
   */
  public ModelTrust savedModelTrust() {
    return savedModelTrust;
  }

  public Schedule parsedSchedule() {
    return Schedule.parse(schedule);
  }

  /** A copy with a different number of epochs. */
  public TrainConfig withEpochs(int n) {
    return toBuilder().epochs(n).build();
  }

  /** A copy with augmentation on or off. */
  public TrainConfig withAugment(boolean on) {
    return toBuilder().augment(on).build();
  }

  /** A copy whose training steps use {@code p}. */
  public TrainConfig withPrecision(Precision p) {
    return toBuilder().precision(p).build();
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof TrainConfig c)) {
      return false;
    }
    return Objects.equals(recipe, c.recipe)
        && Objects.equals(dataset, c.dataset)
        && Objects.equals(dataPath, c.dataPath)
        && limit == c.limit
        && Objects.equals(data, c.data)
        && imageHeight == c.imageHeight
        && imageWidth == c.imageWidth
        && channels == c.channels
        && Double.compare(validationFraction, c.validationFraction) == 0
        && Double.compare(testFraction, c.testFraction) == 0
        && Objects.equals(splitSeed, c.splitSeed)
        && verifyChecksums == c.verifyChecksums
        && skipBadFiles == c.skipBadFiles
        && Objects.equals(features, c.features)
        && Objects.equals(backbone, c.backbone)
        && Objects.equals(head, c.head)
        && width == c.width
        && depth == c.depth
        && Double.compare(dropout, c.dropout) == 0
        && batchNorm == c.batchNorm
        && Objects.equals(optimizer, c.optimizer)
        && Double.compare(learningRate, c.learningRate) == 0
        && Double.compare(momentum, c.momentum) == 0
        && batchSize == c.batchSize
        && epochs == c.epochs
        && maxSteps == c.maxSteps
        && Objects.equals(schedule, c.schedule)
        && seed == c.seed
        && augmentation == c.augmentation
        && Double.compare(labelSmoothing, c.labelSmoothing) == 0
        && Double.compare(weightAverage, c.weightAverage) == 0
        && testTimeAugmentation == c.testTimeAugmentation
        && evaluateEvery == c.evaluateEvery
        && earlyStopping == c.earlyStopping
        && Double.compare(weightDecay, c.weightDecay) == 0
        && keepCheckpoints == c.keepCheckpoints
        && fineTune == c.fineTune
        && fineTuneBatchNorm == c.fineTuneBatchNorm
        && Objects.equals(precision, c.precision)
        && savedModelTrust == c.savedModelTrust;
  }

  @Override
  public int hashCode() {
    return Objects.hash(recipe, dataset, dataPath, limit, data, imageHeight, imageWidth, channels, validationFraction, testFraction, splitSeed, verifyChecksums, skipBadFiles, features, backbone, head, width, depth, dropout, batchNorm, optimizer, learningRate, momentum, batchSize, epochs, maxSteps, schedule, seed, augmentation, labelSmoothing, weightAverage, testTimeAugmentation, evaluateEvery, earlyStopping, weightDecay, keepCheckpoints, fineTune, fineTuneBatchNorm, precision, savedModelTrust);
  }

  @Override
  public String toString() {
    return "TrainConfig{"
        + "recipe=" + recipe
        + ", dataset=" + dataset
        + ", dataPath=" + dataPath
        + ", limit=" + limit
        + ", data=" + data
        + ", imageHeight=" + imageHeight
        + ", imageWidth=" + imageWidth
        + ", channels=" + channels
        + ", validationFraction=" + validationFraction
        + ", testFraction=" + testFraction
        + ", splitSeed=" + splitSeed
        + ", verifyChecksums=" + verifyChecksums
        + ", skipBadFiles=" + skipBadFiles
        + ", features=" + features
        + ", backbone=" + backbone
        + ", head=" + head
        + ", width=" + width
        + ", depth=" + depth
        + ", dropout=" + dropout
        + ", batchNorm=" + batchNorm
        + ", optimizer=" + optimizer
        + ", learningRate=" + learningRate
        + ", momentum=" + momentum
        + ", batchSize=" + batchSize
        + ", epochs=" + epochs
        + ", maxSteps=" + maxSteps
        + ", schedule=" + schedule
        + ", seed=" + seed
        + ", augmentation=" + augmentation.cliName()
        + ", labelSmoothing=" + labelSmoothing
        + ", weightAverage=" + weightAverage
        + ", testTimeAugmentation=" + testTimeAugmentation.cliName()
        + ", evaluateEvery=" + evaluateEvery
        + ", earlyStopping=" + earlyStopping
        + ", weightDecay=" + weightDecay
        + ", keepCheckpoints=" + keepCheckpoints
        + ", fineTune=" + fineTune
        + ", fineTuneBatchNorm=" + fineTuneBatchNorm
        + ", precision=" + precision
        + ", savedModelTrust=" + savedModelTrust
        + "}";
  }

  /**
   * Builds a {@link TrainConfig}. Defaults: backbone vgg5, progressive head of width 64 and depth 4,
   * dropout 0.2, no batch norm, Adam at 0.001 (momentum 0.9 for SGD), batches of 64, 10 epochs, a
   * constant rate, seed 1, no augmentation (in training or at test time), evaluation after every epoch, no early
   * stopping, 3 checkpoints kept, no fine-tuning, float32; data splits: 10 %
   * validation, 20 % test (where the data has none), seeded by the run's seed; registry checksums verified. A
   * registry dataset or a user's own data is required.
   */
  @JsonPOJOBuilder(withPrefix = "")
  public static final class Builder {
    private Recipe recipe = null;
    private String dataset = null;
    private String dataPath = null;
    private int limit = 0;
    private String data = null;
    private int imageHeight = 0;
    private int imageWidth = 0;
    private int channels = 0;
    private double validationFraction = 0.1;
    private double testFraction = 0.2;
    private Long splitSeed = null;
    private boolean verifyChecksums = true;
    private boolean skipBadFiles = false;
    private String features = null;
    private String backbone = "vgg5";
    private HeadKind head = HeadKind.PROGRESSIVE;
    private long width = 64;
    private int depth = 4;
    private double dropout = 0.2;
    private boolean batchNorm = false;
    private OptimizerKind optimizer = OptimizerKind.ADAM;
    private double learningRate = 0.001;
    private double momentum = 0.9;
    private int batchSize = 64;
    private int epochs = 10;
    private long maxSteps;
    private String schedule = "constant";
    private long seed = 1;
    private AugmentPolicy augmentation = AugmentPolicy.NONE;
    private double labelSmoothing;
    private double weightAverage;
    private TestTimeAugmentation testTimeAugmentation = TestTimeAugmentation.NONE;
    private int evaluateEvery = 1;
    private int earlyStopping;
    private double weightDecay;
    private int keepCheckpoints = 3;
    private boolean fineTune = false;
    private boolean fineTuneBatchNorm = false;
    private Precision precision = Precision.FP32;
    private ModelTrust savedModelTrust = ModelTrust.AUDITED;

    private Builder() {}

    /** The recipe the config starts from, or null (see {@link TrainConfig#recipe()}). */
    public Builder recipe(Recipe value) {
      this.recipe = value;
      return this;
    }

    /** Dataset key ({@code fashion-mnist}, {@code emnist-letters}, ...). */
    public Builder dataset(String value) {
      this.dataset = value;
      return this;
    }

    /** Explicit dataset folder, or null to resolve (cache, system locations, download). */
    public Builder dataPath(String value) {
      this.dataPath = value;
      return this;
    }

    /** Use only the first N images of each split (0 = all); for quick runs and tests. */
    public Builder limit(int value) {
      this.limit = value;
      return this;
    }

    /** A user's own data (a folder of class sub-folders or of IDX files, a .npz/.npy or a .csv file; see
   * {@link dev.spinal.datasets.DataSource#detect}), or null for the registry {@link #dataset()}. */
    public Builder data(String value) {
      this.data = value;
      return this;
    }

    /** Height a user's images (and image-folder registry datasets) are resized to; 0: the source's own. */
    public Builder imageHeight(int value) {
      this.imageHeight = value;
      return this;
    }

    /** Width a user's images are resized to; 0: the source's own. */
    public Builder imageWidth(int value) {
      this.imageWidth = value;
      return this;
    }

    /** Channels a user's images are converted to, 1 (grayscale) or 3 (RGB); 0: the source's own. */
    public Builder channels(int value) {
      this.channels = value;
      return this;
    }

    /** Fraction of the training images held out (seeded) for validation when the data has no validation split. */
    public Builder validationFraction(double value) {
      this.validationFraction = value;
      return this;
    }

    /** Fraction of a user's images held out (seeded, stratified) for test when the data has no test split. */
    public Builder testFraction(double value) {
      this.testFraction = value;
      return this;
    }

    /** Seed of the validation and test splits carved from the data, or null for {@link #seed()}. */
    public Builder splitSeed(Long value) {
      this.splitSeed = value;
      return this;
    }

    /** Check a registry dataset's files against its published checksums ({@code --no-verify} turns it off). */
    public Builder verifyChecksums(boolean value) {
      this.verifyChecksums = value;
      return this;
    }

    /** Leave out (and count) a user's image files that are corrupt or not images, instead of failing. */
    public Builder skipBadFiles(boolean value) {
      this.skipBadFiles = value;
      return this;
    }

    /** A folder of features computed before (see {@link TrainConfig#features()}), or null. */
    public Builder features(String value) {
      this.features = value;
      return this;
    }

    /** {@code vgg5}, {@code flatten}, a SavedModel folder, or a pretrained name ({@link PretrainedBackbones}). */
    public Builder backbone(String value) {
      this.backbone = value;
      return this;
    }

    /** The head kind. */
    public Builder head(HeadKind value) {
      this.head = value;
      return this;
    }

    /** Hidden layer width. */
    public Builder width(long value) {
      this.width = value;
      return this;
    }

    /** Hidden layers. */
    public Builder depth(int value) {
      this.depth = value;
      return this;
    }

    /** Dropout rate. */
    public Builder dropout(double value) {
      this.dropout = value;
      return this;
    }

    /** Linear->BatchNorm->act in each hidden layer. */
    public Builder batchNorm(boolean value) {
      this.batchNorm = value;
      return this;
    }

    /** The optimizer. */
    public Builder optimizer(OptimizerKind value) {
      this.optimizer = value;
      return this;
    }

    /** Base learning rate. */
    public Builder learningRate(double value) {
      this.learningRate = value;
      return this;
    }

    /** SGD momentum. */
    public Builder momentum(double value) {
      this.momentum = value;
      return this;
    }

    /** Training batch size. */
    public Builder batchSize(int value) {
      this.batchSize = value;
      return this;
    }

    /** Training steps in all (0 = none): see {@link TrainConfig#maxSteps()}. */
    public Builder maxSteps(long value) {
      this.maxSteps = value;
      return this;
    }

    /** Epochs. */
    public Builder epochs(int value) {
      this.epochs = value;
      return this;
    }

    /** Learning-rate schedule ({@link Schedule#parse} text). */
    public Builder schedule(String value) {
      this.schedule = value;
      return this;
    }

    /** Seed of initialization, data order, augmentation and schedule. */
    public Builder seed(long value) {
      this.seed = value;
      return this;
    }

    /** The training images' augmentation (null: none). */
    public Builder augmentation(AugmentPolicy value) {
      this.augmentation = value == null ? AugmentPolicy.NONE : value;
      return this;
    }

    /** Label smoothing of the minimized cross-entropy, in [0, 1); 0: none. */
    public Builder labelSmoothing(double value) {
      this.labelSmoothing = value;
      return this;
    }

    /** The decay of an exponential moving average of the weights to evaluate and export, in (0, 1); 0: none. */
    public Builder weightAverage(double value) {
      this.weightAverage = value;
      return this;
    }

    /** The views validation and test accuracy are read from (null: none, the images alone). */
    public Builder testTimeAugmentation(TestTimeAugmentation value) {
      this.testTimeAugmentation = value == null ? TestTimeAugmentation.NONE : value;
      return this;
    }

    /** Evaluate validation and test after every this many epochs and after the last; 1 (the default): every epoch. */
    public Builder evaluateEvery(int value) {
      this.evaluateEvery = value;
      return this;
    }

    /** End the run after this many evaluations without a better validation accuracy; 0 (the default): never. */
    public Builder earlyStopping(int value) {
      this.earlyStopping = value;
      return this;
    }

    /** Decoupled weight decay on the kernels, in [0, 1); 0: none. */
    public Builder weightDecay(double value) {
      this.weightDecay = value;
      return this;
    }

    /**
     * The paper's training augmentation ({@link AugmentPolicy#PAPER}) or none; also how a {@code config.json}
     * written before {@link #augmentation} existed says it.
     */
    public Builder augment(boolean value) {
      this.augmentation = value ? AugmentPolicy.PAPER : AugmentPolicy.NONE;
      return this;
    }

    /** How many per-epoch checkpoints to keep (the best is kept besides). */
    public Builder keepCheckpoints(int value) {
      this.keepCheckpoints = value;
      return this;
    }

    /** With a SavedModel backbone: train its weights too; otherwise (the default) it is frozen and its features are cached. */
    public Builder fineTune(boolean value) {
      this.fineTune = value;
      return this;
    }

    /**
     * With {@link #fineTune}: also train the backbone's batch-norm scale and offset; its moving statistics
     * stay the backbone's. Off by default.
     */
    public Builder fineTuneBatchNorm(boolean value) {
      this.fineTuneBatchNorm = value;
      return this;
    }

    /** Arithmetic of the training steps. */
    public Builder precision(Precision value) {
      this.precision = value == null ? Precision.FP32 : value;
      return this;
    }

    /** With a SavedModel backbone: audited (the default) or trusted ({@code --trust-savedmodel}); null: audited. */
    public Builder savedModelTrust(ModelTrust value) {
      this.savedModelTrust = value == null ? ModelTrust.AUDITED : value;
      return this;
    }

    /** @throws IllegalArgumentException naming the flag of the first bad field */
    public TrainConfig build() {
      boolean registry = dataset != null && !dataset.isBlank();
      boolean own = data != null && !data.isBlank();
      boolean precomputed = features != null && !features.isBlank();
      checkArgument(!(precomputed && (registry || own)), "--features trains on features computed before; it does"
          + " not combine with --dataset or --data (the features' folder names the data they came from)");
      checkArgument(precomputed || registry || own, "--dataset or --data is required");
      checkArgument(!(registry && own), "give --dataset (a registry dataset) or --data (your own files), not both;"
          + " a registry dataset's files in a folder of yours: --dataset %s --data-path %s", dataset, data);
      checkArgument(imageHeight >= 0 && imageWidth >= 0, "--image-size must be positive, got %sx%s", imageHeight,
          imageWidth);
      checkArgument((imageHeight == 0) == (imageWidth == 0), "--image-size needs both height and width, got %sx%s",
          imageHeight, imageWidth);
      checkArgument(channels == 0 || channels == 1 || channels == 3,
          "--channels must be 1 (grayscale) or 3 (RGB), got %s", channels);
      checkArgument(validationFraction >= 0 && validationFraction < 1, "--val-fraction must be in [0, 1), got %s",
          validationFraction);
      checkArgument(testFraction > 0 && testFraction < 1, "--test-fraction must be in (0, 1), got %s", testFraction);
      checkArgument(backbone != null && !backbone.isBlank(), "--backbone is required");
      checkArgument(head != null, "--head is required");
      checkArgument(optimizer != null, "--optimizer is required");
      checkArgument(limit >= 0, "--limit must be >= 0, got %s", limit);
      checkArgument(width > 0, "--width must be > 0, got %s", width);
      checkArgument(depth >= 1, "--depth must be >= 1, got %s", depth);
      checkArgument(dropout >= 0 && dropout < 1, "--dropout must be in [0, 1), got %s", dropout);
      checkArgument(learningRate > 0, "--lr must be > 0, got %s", learningRate);
      checkArgument(momentum >= 0 && momentum < 1, "--momentum must be in [0, 1), got %s", momentum);
      checkArgument(labelSmoothing >= 0 && labelSmoothing < 1, "--label-smoothing must be in [0, 1), got %s",
          labelSmoothing);
      checkArgument(weightDecay >= 0 && weightDecay < 1, "--weight-decay must be in [0, 1), got %s", weightDecay);
      checkArgument(weightAverage == 0 || (weightAverage > 0 && weightAverage < 1), "--ema must be in (0, 1) (0.999"
          + " is usual) or 0 for none, got %s", weightAverage);
      checkArgument(batchSize >= 1, "--batch must be >= 1, got %s", batchSize);
      checkArgument(epochs >= 1, "--epochs must be >= 1, got %s", epochs);
      checkArgument(evaluateEvery >= 1, "--eval-every must be >= 1 (1: after every epoch), got %s", evaluateEvery);
      checkArgument(earlyStopping >= 0, "--early-stopping must be >= 0 (0: none), got %s", earlyStopping);
      checkArgument(maxSteps >= 0, "--max-steps must be >= 0 (0 = no budget), got %s", maxSteps);
      checkArgument(keepCheckpoints >= 1, "--keep must be >= 1, got %s", keepCheckpoints);
      checkArgument(fineTune || !fineTuneBatchNorm, "--fine-tune-batch-norm trains the backbone's batch norm while"
          + " fine-tuning it: add --fine-tune, or drop --fine-tune-batch-norm");
      Schedule.parse(schedule); // fails early with the accepted forms
      return new TrainConfig(this);
    }
  }
}
