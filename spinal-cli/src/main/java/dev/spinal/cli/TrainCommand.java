package dev.spinal.cli;

import dev.spinal.core.heads.HeadKind;
import dev.spinal.train.Devices;
import dev.spinal.train.OptimizerKind;
import dev.spinal.train.Precision;
import dev.spinal.train.Recipe;
import dev.spinal.train.TrainConfig;
import dev.spinal.train.TrainResult;
import dev.spinal.train.Runs;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code spinal train}: a recipe or explicit settings, flags overriding the recipe's. */
@Command(name = "train", description = {
    "Train a head on a backbone; writes config.json, metrics.jsonl, tensorboard/, checkpoints/ and result.json"
        + " to --out.",
    "Recipes (--recipe): mnist-fc, emnist-digits-vgg5, emnist-letters-vgg5, qmnist-vgg5, kmnist-vgg5,"
        + " bird225-wrn101, fruits360-wrn101, stl10-wrn101, caltech101-wrn101, fashion-mnist-vgg5."})
final class TrainCommand implements Callable<Integer> {

  @Option(names = "--recipe", description = "A row of the paper's table (see above).")
  String recipe;

  @Option(names = "--dataset", description = "Dataset key, e.g. fashion-mnist, mnist, emnist-letters.")
  String dataset;

  @Option(names = "--data-path", description = "Folder holding the dataset's files (else: cache, system, download).")
  Path dataPath;

  @Option(names = "--limit", description = "Use only the first N images of each split (0 = all).")
  Integer limit;

  @Option(names = "--backbone", description = "vgg5, flatten, or a backbone SavedModel folder.")
  String backbone;

  @Option(names = "--head", description = "progressive (default), spinal or dense.")
  String head;

  @Option(names = "--width") Long width;
  @Option(names = "--depth") Integer depth;
  @Option(names = "--dropout") Double dropout;
  @Option(names = "--batch-norm", description = "Linear->BatchNorm->act in each head layer.") Boolean batchNorm;
  @Option(names = "--optimizer", description = "sgd (with momentum) or adam.") String optimizer;
  @Option(names = "--lr") Double lr;
  @Option(names = "--momentum") Double momentum;
  @Option(names = "--batch") Integer batch;
  @Option(names = "--epochs") Integer epochs;
  @Option(names = "--max-steps", description = "End training after this many steps in all, even within an"
      + " epoch (0 = no budget); the cosine schedule decays over them.") Long maxSteps;
  @Option(names = "--schedule", description = "constant, plateau-cube (the scripts' rule), step:STEP:GAMMA or cosine"
      + " (decay to ~0 over the run's steps).")
  String schedule;
  @Option(names = "--seed") Long seed;
  @Option(names = "--augment", description = "The paper's training augmentation (rotation + perspective).")
  Boolean augment;
  @Option(names = "--keep", description = "Per-epoch checkpoints to keep (default 3).") Integer keep;
  @Option(names = "--fine-tune", description = "With a SavedModel --backbone: train its weights too (needs its"
      + " 'graph' format export, e.g. saved-models/fmnist04-cnn-graph). Default: the backbone is frozen, its"
      + " features computed once per image and cached, and only the head trains (no --augment then).")
  Boolean fineTune;

  @Option(names = "--precision", description = "fp32 (default) or bf16: bfloat16 mixed precision in the training"
      + " steps (oneDNN auto mixed precision; needs AVX512_BF16/AMX to pay off). Evaluation and the export stay"
      + " float32. Accuracy vs fp32 in BENCHMARKS.md.")
  String precision;

  @Option(names = "--device", defaultValue = "cpu", description = "cpu or gpu (the GPU natives: build with -Pgpu).")
  String device;

  @Option(names = "--out", description = "Run folder (new).") Path out;

  @Option(names = "--resume", description = "Continue the run in this folder from its newest checkpoint.")
  Path resume;

  @Option(names = "--export", description = "After training, export the best model to BASE/<version>/.")
  Path export;

  @Option(names = "--no-progress", description = "No progress bar.") boolean noProgress;

  @picocli.CommandLine.ParentCommand SpinalCli parent;

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

  @Option(names = "--skip-bad-files", description = "Skip (and count) image files that are corrupt or not images"
      + " instead of failing.")
  boolean skipBadFiles;


  @Override
  public Integer call() {
    var sessionConfig = Devices.sessionConfig(device, parent != null && parent.verbose, System.err);
    if (resume != null && data != null) {
      throw new IllegalArgumentException("--resume continues a run on the data it was configured with: drop --data");
    }
    if (resume != null) {
      if (out != null || recipe != null || dataset != null) {
        throw new IllegalArgumentException("--resume continues a run as it was configured: drop --out/--recipe/--dataset");
      }
      Runs.Options options = Runs.Options.of(resume).withExport(export).withProgress(!noProgress)
          .withSessionConfig(sessionConfig);
      TrainResult result = Runs.resume(options);
      return result.history().isEmpty() ? 1 : 0;
    }
    if (out == null) {
      throw new IllegalArgumentException("--out DIR is required (the run's folder)");
    }
    TrainConfig config = config();
    Runs.Options options = Runs.Options.of(out).withExport(export).withProgress(!noProgress)
        .withSessionConfig(sessionConfig);
    Runs.start(config, options);
    return 0;
  }

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

  TrainConfig config() {
    TrainConfig base;
    if (recipe != null) {
      base = Recipe.parse(recipe).config();
    } else {
      if (dataset == null && data == null) {
        throw new IllegalArgumentException("give --recipe NAME or --dataset D (with --backbone, --head, ...)");
      }
      base = TrainConfig.builder().dataset(dataset).data(dataset == null ? data.toString() : null).build();
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
      b.augment(augment);
    }
    if (keep != null) {
      b.keepCheckpoints(keep);
    }
    if (fineTune != null) {
      b.fineTune(fineTune);
    }
    if (precision != null) {
      b.precision(Precision.parse(precision));
    }
    dataOptions(b);
    return b.build();
  }
}
