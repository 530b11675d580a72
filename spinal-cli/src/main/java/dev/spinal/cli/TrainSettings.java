package dev.spinal.cli;

import dev.spinal.core.heads.HeadKind;
import dev.spinal.savedmodel.ModelTrust;
import dev.spinal.train.AugmentPolicy;
import dev.spinal.train.OptimizerKind;
import dev.spinal.train.Precision;
import dev.spinal.train.Recipe;
import dev.spinal.train.TestTimeAugmentation;
import dev.spinal.train.TrainConfig;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The options that define a training run (a recipe, the data, the model, the training settings), shared by
 * {@code spinal train} and {@code spinal ablate} as a picocli mixin, and the {@link TrainConfig} they make.
 * The options have no default value of their own (an option left out keeps the recipe's value); their
 * descriptions show the built-in defaults through {@link TrainHelp}, the bundle of both commands.
 */
@Command(resourceBundle = "dev.spinal.cli.TrainHelp")
final class TrainSettings {

  @Option(names = "--recipe", paramLabel = "RECIPE", converter = Choices.RecipeName.class, completionCandidates = Choices.RecipeName.class,
      description = "A row of the paper's table (see Recipes below); the other options override its values.")
  String recipe;

  @Option(names = "--dataset", paramLabel = "DATASET", completionCandidates = Choices.DatasetKeys.class,
      description = "Dataset: ${COMPLETION-CANDIDATES}. Default: the recipe's; required without --recipe.")
  String dataset;

  @Option(names = "--data-path", paramLabel = "DIR", description = "Folder holding the dataset's files. Default: found in the cache,"
      + " the system's folders, else downloaded.")
  Path dataPath;

  @Option(names = "--limit", paramLabel = "N", description = "Use only the first N images of each split (0: all)."
      + " Default: recipe's, else ${bundle:default.limit}.")
  Integer limit;

  @Option(names = "--backbone", paramLabel = "BACKBONE", description = "vgg5, flatten, efficientnet-lite0"
      + " (ImageNet-pretrained, 224x224 -> 1280 features; built once per"
      + " machine by: bash saved-models/make_backbones.sh efficientnet-lite0), or a backbone SavedModel folder."
      + " Default: recipe's, else ${bundle:default.backbone}.")
  String backbone;

  @Option(names = "--head", paramLabel = "HEAD", converter = Choices.HeadName.class, completionCandidates = Choices.HeadName.class,
      description = "Head: ${COMPLETION-CANDIDATES}. Default: recipe's, else ${bundle:default.head}.")
  String head;

  @Option(names = "--width", paramLabel = "N", description = "Width of each hidden layer of the head."
      + " Default: recipe's, else ${bundle:default.width}.") Long width;
  @Option(names = "--depth", paramLabel = "N", description = "Hidden layers of the head."
      + " Default: recipe's, else ${bundle:default.depth}.") Integer depth;
  @Option(names = "--dropout", paramLabel = "RATE", description = "Dropout rate on the features, in [0, 1)."
      + " Default: recipe's, else ${bundle:default.dropout}.") Double dropout;
  @Option(names = "--batch-norm", description = "Linear->BatchNorm->act in each head layer (--batch-norm=false:"
      + " off). Default: recipe's, else ${bundle:default.batch-norm}.") Boolean batchNorm;
  @Option(names = "--optimizer", paramLabel = "OPTIMIZER", converter = Choices.OptimizerName.class,
      completionCandidates = Choices.OptimizerName.class, description = "sgd (with momentum) or adam."
      + " Default: recipe's, else ${bundle:default.optimizer}.") String optimizer;
  @Option(names = "--lr", paramLabel = "RATE", description = "Base learning rate. Default: recipe's, else ${bundle:default.lr}.")
  Double lr;
  @Option(names = "--momentum", paramLabel = "MOMENTUM", description = "Momentum of sgd, in [0, 1)."
      + " Default: recipe's, else ${bundle:default.momentum}.") Double momentum;
  @Option(names = "--batch", paramLabel = "N", description = "Training batch size. Default: recipe's, else ${bundle:default.batch}.")
  Integer batch;
  @Option(names = "--epochs", paramLabel = "N", description = "Epochs to train. Default: recipe's, else ${bundle:default.epochs}.")
  Integer epochs;
  @Option(names = "--max-steps", paramLabel = "N", description = "End training after this many steps in all, even"
      + " within an epoch (0: no budget); the cosine and one-cycle schedules run over them."
      + " Default: recipe's, else ${bundle:default.max-steps}.") Long maxSteps;
  @Option(names = "--schedule", paramLabel = "SCHEDULE", converter = Choices.ScheduleText.class,
      completionCandidates = Choices.ScheduleText.class, description = "Learning rate: constant, plateau-cube"
      + " (the paper's scripts' rule), step:STEP:GAMMA (times GAMMA every STEP epochs), cosine[:FLOOR] (decays to ~0"
      + " over the run's steps, or to FLOOR x --lr and stays there, e.g. cosine:0.1 with --ema) or one-cycle[:WARMUP] (rises from --lr/25 to --lr over the first WARMUP share of"
      + " the steps, 0.3 if not given, then decays to ~0: PyTorch's OneCycleLR; --lr is the peak)."
      + " Default: recipe's, else ${bundle:default.schedule}.")
  String schedule;
  @Option(names = "--seed", paramLabel = "N", description = "Seed of initialization, data order, validation split, augmentation"
      + " and schedule. Default: recipe's, else ${bundle:default.seed}.") Long seed;
  @Option(names = "--augment", paramLabel = "POLICY", arity = "0..1", fallbackValue = "paper",
      converter = Choices.AugmentName.class, completionCandidates = Choices.AugmentName.class,
      description = "Augment the training images: paper (the paper's scripts: perspective + rotation; what"
      + " --augment alone means), crop-flip-erase (2-pixel padded random crop, horizontal flip, random erasing:"
      + " for Fashion-MNIST, not for digits or letters), crop-flip (the same without erasing) or none. Default: recipe's, else ${bundle:default.augment}.")
  String augment;
  @Option(names = "--label-smoothing", paramLabel = "EPSILON", description = "Train on targets smoothed by"
      + " EPSILON (1 - EPSILON on the label, EPSILON / classes on each class; 0.1 is usual), in [0, 1); reported"
      + " losses stay the plain cross-entropy. Default: recipe's, else ${bundle:default.label-smoothing}.")
  Double labelSmoothing;
  @Option(names = "--tta", paramLabel = "VIEWS", converter = Choices.TtaName.class,
      completionCandidates = Choices.TtaName.class, description = "Test-time augmentation: read validation and test"
      + " accuracy (and so the best epoch) from the mean probabilities of each image and its mirror image (flip; for"
      + " data whose classes do not change when mirrored, like Fashion-MNIST: not digits or letters; one more"
      + " forward pass per image), from those two each also moved by one pixel up, down, left and right"
      + " (flip-shift: 10 views, 10 passes) or from the image alone (none). The export still answers for the image"
      + " alone."
      + " Default: recipe's, else ${bundle:default.tta}.")
  String tta;
  @Option(names = "--eval-every", paramLabel = "N", description = "Evaluate validation and test after every N-th"
      + " epoch and after the last (Keras' validation_freq), not after every one: the epochs between have no"
      + " validation or test figures and cannot be the best. An evaluation with --tta costs as much as hundreds of"
      + " training steps; with --time-budget the saved time goes to more steps. Default: recipe's, else"
      + " ${bundle:default.eval-every}.")
  Integer evalEvery;
  @Option(names = "--early-stopping", paramLabel = "PATIENCE", description = "End the run when validation accuracy"
      + " has not improved for PATIENCE evaluations in a row (epochs, or those of --eval-every); the run counts as"
      + " finished and its result is the best epoch's, as always. 0: never. Default: recipe's, else"
      + " ${bundle:default.early-stopping}.")
  Integer earlyStopping;
  @Option(names = "--weight-decay", paramLabel = "WD", description = "Decoupled weight decay (AdamW / SGDW) on"
      + " the conv and dense kernels: after each step they shrink by lr x WD, in [0, 1). Default: recipe's, else"
      + " ${bundle:default.weight-decay}.")
  Double weightDecay;
  @Option(names = "--ema", paramLabel = "DECAY", description = "Keep an exponential moving average of the weights"
      + " and batch-norm statistics (decay DECAY per step, warmed up as TensorFlow's ExponentialMovingAverage does;"
      + " 0.999 averages over about the last 1,000 steps) and validate, test, pick the best epoch and export with"
      + " it instead of the current weights; 0: none. Default: recipe's, else ${bundle:default.ema}.")
  Double ema;
  @Option(names = "--keep", paramLabel = "N", description = "Per-epoch checkpoints to keep (the best is kept besides)."
      + " Default: recipe's, else ${bundle:default.keep}.") Integer keep;
  @Option(names = "--fine-tune", description = "With a SavedModel --backbone (tf2 or graph export): train its"
      + " convolution and dense weights too; otherwise the backbone is frozen, its features computed once and"
      + " only the head trains (no --augment then). Default: recipe's, else ${bundle:default.fine-tune}.")
  Boolean fineTune;
  @Option(names = "--fine-tune-batch-norm", description = "With --fine-tune: also train the backbone's batch-norm"
      + " scale and offset (its moving statistics stay the backbone's). Default: recipe's, else"
      + " ${bundle:default.fine-tune-batch-norm}.")
  Boolean fineTuneBatchNorm;

  @Option(names = "--trust-savedmodel", description = InspectCommand.TRUST_HELP
      + " (For a SavedModel --backbone; recorded in the run's config.json.)")
  boolean trustSavedModel;

  @Option(names = "--precision", paramLabel = "PRECISION", converter = Choices.PrecisionName.class,
      completionCandidates = Choices.PrecisionName.class, description = "fp32 or bf16: bfloat16 mixed precision"
      + " in the training steps (measured 3x faster on an Intel Xeon with AMX, 1.5x on an AMD Zen 5 or Zen 4,"
      + " 0.7x on an Intel Xeon without AMX: try both on yours; evaluation and the export stay float32;"
      + " accuracy vs fp32 in BENCHMARKS.md). Default: recipe's, else ${bundle:default.precision}.")
  String precision;

  @Option(names = "--data", paramLabel = "PATH", description = "Your own data: a folder of class sub-folders (or of"
      + " train/ val/ test/ trees of them), a folder of IDX files, a .npz/.npy file or a .csv of path,label rows.")
  Path data;

  @Option(names = "--image-size", paramLabel = "HxW", description = "Resize your images to height x width, e.g."
      + " 28x28 (default: image files take the first image's size, arrays keep theirs).")
  String imageSize;

  @Option(names = "--channels", description = "Convert your images to 1 (grayscale) or 3 (RGB) channels (default:"
      + " image files RGB, arrays their own).")
  Integer channels;

  @Option(names = "--grayscale", description = "Same as --channels 1.")
  boolean grayscale;

  @Option(names = "--val-fraction", description = "Fraction of the training images held out (seeded) for validation"
      + " when the data has no validation split (default 0.1).")
  Double valFraction;

  @Option(names = "--test-fraction", description = "Fraction of your images held out (seeded, stratified) for test"
      + " when your data has no test split (default 0.2).")
  Double testFraction;

  @Option(names = "--split-seed", description = "Seed of the validation/test splits carved from the data (default:"
      + " --seed).")
  Long splitSeed;

  @Option(names = "--no-verify", description = "Load a registry dataset's files even if their checksums differ from"
      + " the published ones (a re-packaged copy).")
  boolean noVerify;

  @Option(names = "--features", paramLabel = "DIR", description = "Train the head on features computed before:"
      + " a folder written by `spinal spark features` (on a cluster, or locally). Give the --backbone they were"
      + " computed with (the export is that backbone + the head); the folder brings the splits, labels and class"
      + " names, so no --dataset or --data.")
  Path features;

  @Option(names = "--skip-bad-files", description = "Skip (and count) image files that are corrupt or not images"
      + " instead of failing.")
  boolean skipBadFiles;

  /**
   * The data options: {@code --data} alone is your own data (not checked against the registry); with
   * {@code --dataset} it is that registry dataset's files in your folder, checked against its checksums.
   */
  private void dataOptions(TrainConfig.Builder b) {
    if (data != null && dataset != null) {
      b.dataPath(data.toString());
    } else if (data != null) {
      b.dataset(null).data(data.toString());
    }
    if (imageSize != null) {
      int[] hw = parseImageSize(imageSize);
      b.imageHeight(hw[0]).imageWidth(hw[1]);
    }
    if (grayscale && channels != null && channels != 1) {
      throw new IllegalArgumentException("--grayscale and --channels " + channels + " contradict each other");
    }
    if (grayscale || channels != null) {
      b.channels(grayscale ? 1 : channels);
    }
    if (valFraction != null) {
      b.validationFraction(valFraction);
    }
    if (testFraction != null) {
      b.testFraction(testFraction);
    }
    if (splitSeed != null) {
      b.splitSeed(splitSeed);
    }
    if (noVerify) {
      b.verifyChecksums(false);
    }
    if (skipBadFiles) {
      b.skipBadFiles(true);
    }
  }

  /** {@code HxW} (or {@code N} for N x N) as {height, width}. */
  static int[] parseImageSize(String text) {
    String[] parts = text.trim().toLowerCase(java.util.Locale.ROOT).split("x", -1);
    try {
      int h = Integer.parseInt(parts[0].trim());
      int w = parts.length == 1 ? h : Integer.parseInt(parts[1].trim());
      if (parts.length > 2 || h < 1 || w < 1) {
        throw new NumberFormatException();
      }
      return new int[] {h, w};
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--image-size expects HxW (height x width, e.g. 28x28) or N, got '" + text
          + "'");
    }
  }

  /** The config these options describe: the recipe's (or the defaults), overridden by every option given. */
  TrainConfig config() {
    TrainConfig base;
    if (recipe != null) {
      base = Recipe.parse(recipe).config();
    } else {
      if (dataset == null && data == null && features == null) {
        throw new IllegalArgumentException("give --recipe NAME or --dataset D (with --backbone, --head, ...)");
      }
      base = features != null && dataset == null && data == null
          ? TrainConfig.builder().features(features.toString()).build()
          : TrainConfig.builder().dataset(dataset).data(dataset == null ? data.toString() : null).build();
    }
    TrainConfig.Builder b = base.toBuilder();
    if (dataset != null) {
      b.dataset(dataset);
    }
    if (dataPath != null) {
      b.dataPath(dataPath.toString());
    }
    if (limit != null) {
      b.limit(limit);
    }
    if (backbone != null) {
      b.backbone(backbone);
    }
    if (head != null) {
      b.head(HeadKind.parse(head));
    }
    if (width != null) {
      b.width(width);
    }
    if (depth != null) {
      b.depth(depth);
    }
    if (dropout != null) {
      b.dropout(dropout);
    }
    if (batchNorm != null) {
      b.batchNorm(batchNorm);
    }
    if (optimizer != null) {
      b.optimizer(OptimizerKind.parse(optimizer));
    }
    if (lr != null) {
      b.learningRate(lr);
    }
    if (momentum != null) {
      b.momentum(momentum);
    }
    if (batch != null) {
      b.batchSize(batch);
    }
    if (epochs != null) {
      b.epochs(epochs);
    }
    if (maxSteps != null) {
      b.maxSteps(maxSteps);
    }
    if (schedule != null) {
      b.schedule(schedule);
    }
    if (seed != null) {
      b.seed(seed);
    }
    if (augment != null) {
      b.augmentation(AugmentPolicy.parse(augment));
    }
    if (labelSmoothing != null) {
      b.labelSmoothing(labelSmoothing);
    }
    if (tta != null) {
      b.testTimeAugmentation(TestTimeAugmentation.parse(tta));
    }
    if (evalEvery != null) {
      b.evaluateEvery(evalEvery);
    }
    if (earlyStopping != null) {
      b.earlyStopping(earlyStopping);
    }
    if (weightDecay != null) {
      b.weightDecay(weightDecay);
    }
    if (ema != null) {
      b.weightAverage(ema);
    }
    if (keep != null) {
      b.keepCheckpoints(keep);
    }
    if (fineTune != null) {
      b.fineTune(fineTune);
    }
    if (fineTuneBatchNorm != null) {
      b.fineTuneBatchNorm(fineTuneBatchNorm);
    }
    if (precision != null) {
      b.precision(Precision.parse(precision));
    }
    if (trustSavedModel) {
      b.savedModelTrust(ModelTrust.TRUSTED);
    }
    dataOptions(b);
    if (features != null) {
      if (dataset == null && data == null) {
        b.dataset(null); // a recipe's dataset: the features folder brings the data
      }
      b.features(features.toString());
    }
    return b.build();
  }
}
