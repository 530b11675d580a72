package dev.spinal.train;

import static com.google.common.base.Preconditions.checkArgument;

import dev.spinal.core.heads.HeadKind;

/**
 * Everything that defines a training run, as written to {@code config.json} in the run's folder so
 * {@code --resume} rebuilds the same graph. Recipes supply defaults; CLI flags override them.
 *
 * @param dataset dataset key ({@code fashion-mnist}, {@code emnist-letters}, ...)
 * @param dataPath explicit dataset folder, or null to resolve (cache, system locations, download)
 * @param limit use only the first N images of each split (0 = all); for quick runs and tests
 * @param backbone {@code vgg5}, {@code flatten}, or a backbone SavedModel folder
 * @param augment use the paper's training augmentation for this dataset
 * @param keepCheckpoints how many per-epoch checkpoints to keep (the best is kept besides)
 * @param fineTune with a SavedModel backbone: train its weights too (graph format only); otherwise
 *     (the default) the backbone is frozen and its features are computed once and cached
 * @param precision arithmetic of the training steps ({@link Precision}); null (a config written
 *     before this field existed) means float32
 */
public record TrainConfig(
    String dataset,
    String dataPath,
    int limit,
    String backbone,
    HeadKind head,
    long width,
    int depth,
    double dropout,
    boolean batchNorm,
    OptimizerKind optimizer,
    double learningRate,
    double momentum,
    int batchSize,
    int epochs,
    String schedule,
    long seed,
    boolean augment,
    int keepCheckpoints,
    boolean fineTune,
    Precision precision) {

  /** A configuration without fine-tuning (the built-in backbones are always trained). */
  public TrainConfig(String dataset, String dataPath, int limit, String backbone, HeadKind head, long width,
      int depth, double dropout, boolean batchNorm, OptimizerKind optimizer, double learningRate, double momentum,
      int batchSize, int epochs, String schedule, long seed, boolean augment, int keepCheckpoints) {
    this(dataset, dataPath, limit, backbone, head, width, depth, dropout, batchNorm, optimizer, learningRate,
        momentum, batchSize, epochs, schedule, seed, augment, keepCheckpoints, false);
  }

  /** A float32 configuration. */
  public TrainConfig(String dataset, String dataPath, int limit, String backbone, HeadKind head, long width,
      int depth, double dropout, boolean batchNorm, OptimizerKind optimizer, double learningRate, double momentum,
      int batchSize, int epochs, String schedule, long seed, boolean augment, int keepCheckpoints,
      boolean fineTune) {
    this(dataset, dataPath, limit, backbone, head, width, depth, dropout, batchNorm, optimizer, learningRate,
        momentum, batchSize, epochs, schedule, seed, augment, keepCheckpoints, fineTune, Precision.FP32);
  }

  public TrainConfig {
    precision = precision == null ? Precision.FP32 : precision;
    checkArgument(dataset != null && !dataset.isBlank(), "dataset is required");
    checkArgument(limit >= 0, "--limit must be >= 0, got %s", limit);
    checkArgument(width > 0, "--width must be > 0, got %s", width);
    checkArgument(depth >= 1, "--depth must be >= 1, got %s", depth);
    checkArgument(dropout >= 0 && dropout < 1, "--dropout must be in [0, 1), got %s", dropout);
    checkArgument(learningRate > 0, "--lr must be > 0, got %s", learningRate);
    checkArgument(batchSize >= 1, "--batch must be >= 1, got %s", batchSize);
    checkArgument(epochs >= 1, "--epochs must be >= 1, got %s", epochs);
    checkArgument(keepCheckpoints >= 1, "--keep must be >= 1, got %s", keepCheckpoints);
    Schedule.parse(schedule); // fails early with the accepted forms
  }

  public Schedule parsedSchedule() {
    return Schedule.parse(schedule);
  }

  /** A copy with a different number of epochs. */
  public TrainConfig withEpochs(int n) {
    return new TrainConfig(dataset, dataPath, limit, backbone, head, width, depth, dropout, batchNorm,
        optimizer, learningRate, momentum, batchSize, n, schedule, seed, augment, keepCheckpoints, fineTune,
        precision);
  }

  /** A copy with augmentation on or off. */
  public TrainConfig withAugment(boolean on) {
    return new TrainConfig(dataset, dataPath, limit, backbone, head, width, depth, dropout, batchNorm,
        optimizer, learningRate, momentum, batchSize, epochs, schedule, seed, on, keepCheckpoints, fineTune,
        precision);
  }

  /** A copy whose training steps use {@code p}. */
  public TrainConfig withPrecision(Precision p) {
    return new TrainConfig(dataset, dataPath, limit, backbone, head, width, depth, dropout, batchNorm,
        optimizer, learningRate, momentum, batchSize, epochs, schedule, seed, augment, keepCheckpoints, fineTune, p);
  }
}
