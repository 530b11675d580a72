package dev.spinal.train;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.spinal.core.heads.HeadKind;
import java.util.Locale;

/**
 * One row of the paper's table as a runnable configuration. Where the paper's table and its
 * scripts differ, the table is followed (the script where the table contradicts itself) and the
 * description says so.
 *
 * <p>A run started from a recipe keeps its name ({@link TrainConfig#recipe()}, {@code "recipe"} in
 * {@code config.json}); {@link RecipeOverrides} says which of the recipe's settings the run changed, e.g. a
 * substitute for the wide ResNet-101 backbone that cannot be obtained everywhere.
 */
public enum Recipe {
  MNIST_FC("mnist-fc", "MNIST, head on the pixels (FC only): table says 6 layers of width 128 (the script"
      + " uses 4, each Linear->BatchNorm->ReLU); SGD momentum 0.5 as in the script (the table lists both 0.5"
      + " and 0.9); the script's NLL loss on log-softmax is the same cross-entropy.",
      config("mnist", "flatten", 128, 6, 0.2, true, OptimizerKind.SGD, 0.001, 0.5, 100, 50, "constant")),
  EMNIST_DIGITS_VGG5("emnist-digits-vgg5", "EMNIST digits, VGG-5, width 64, SGD momentum 0.9, lr 0.005.",
      config("emnist-digits", "vgg5", 64, 4, 0.2, false, OptimizerKind.SGD, 0.005, 0.9, 50, 50, "plateau-cube")),
  EMNIST_LETTERS_VGG5("emnist-letters-vgg5", "EMNIST letters (26 classes), VGG-5, width 128, Adam lr 0.005.",
      config("emnist-letters", "vgg5", 128, 4, 0.2, false, OptimizerKind.ADAM, 0.005, 0, 50, 100, "plateau-cube")),
  QMNIST_VGG5("qmnist-vgg5", "QMNIST, VGG-5, width 64, Adam lr 0.0008.",
      config("qmnist", "vgg5", 64, 4, 0.2, false, OptimizerKind.ADAM, 0.0008, 0, 64, 100, "plateau-cube")),
  KMNIST_VGG5("kmnist-vgg5", "KMNIST, VGG-5, width 64, Adam lr 0.0008.",
      config("kmnist", "vgg5", 64, 4, 0.2, false, OptimizerKind.ADAM, 0.0008, 0, 64, 200, "plateau-cube")),
  BIRD225_WRN101("bird225-wrn101", "Bird-225 on a pretrained wide ResNet-101 (needs its SavedModel, see"
      + " saved-models/README.md; --backbone runs it on a substitute, which the run labels), width 256, SGD momentum 0.9, lr 0.0008, StepLR(7, 0.1).",
      config("bird225", Recipe.WIDE_RESNET101, 256, 4, 0.5, false, OptimizerKind.SGD, 0.0008, 0.9, 16, 10, "step:7:0.1")),
  FRUITS360_WRN101("fruits360-wrn101", "Fruits-360 on a pretrained wide ResNet-101, as bird225-wrn101.",
      config("fruits360", Recipe.WIDE_RESNET101, 256, 4, 0.5, false, OptimizerKind.SGD, 0.0008, 0.9, 16, 10, "step:7:0.1")),
  STL10_WRN101("stl10-wrn101", "STL-10 on a pretrained wide ResNet-101, batch 8, 50 epochs.",
      config("stl10", Recipe.WIDE_RESNET101, 256, 4, 0.5, false, OptimizerKind.SGD, 0.0008, 0.9, 8, 50, "step:7:0.1")),
  CALTECH101_WRN101("caltech101-wrn101", "Caltech-101 on a pretrained wide ResNet-101, width 200, lr 0.001,"
      + " dropout 0.3, 16 epochs.",
      config("caltech101", Recipe.WIDE_RESNET101, 200, 4, 0.3, false, OptimizerKind.SGD, 0.001, 0.9, 16, 16, "step:7:0.1")),
  FASHION_MNIST_VGG5("fashion-mnist-vgg5", "Fashion-MNIST (not in the paper's table), VGG-5, width 64, Adam"
      + " lr 0.001 for 2 epochs then 0.0002 for the third: sized to train in ~10 minutes on 2 CPU cores (the main"
      + " job; measured 93.17% test). Longer: --epochs 10 --schedule step:4:0.2 (35 min, 93.67% measured).",
      config("fashion-mnist", "vgg5", 64, 4, 0.2, false, OptimizerKind.ADAM, 0.001, 0, 64, 3, "step:2:0.2")),
  FASHION_MNIST_VGG5_HOUR("fashion-mnist-vgg5-hour", "Fashion-MNIST (not in the paper's table), VGG-5, width 64,"
      + " sized for one hour on 2 CPU cores with AVX-512: 10 epochs of crop-flip augmentation, label smoothing 0.1,"
      + " AdamW (lr 0.001, weight decay 0.05), cosine decay over the run (measured: 94.30% test, 54 min, one seed,"
      + " float32). Where the CPU has AVX512_BF16: --precision bf16 --tta flip --time-budget 50m (94.59% +- 0.05"
      + " over 3 seeds, 49-54 min).",
      config("fashion-mnist", "vgg5", 64, 4, 0.2, false, OptimizerKind.ADAM, 0.001, 0, 64, 10, "cosine")
          .augmentation(AugmentPolicy.CROP_FLIP).labelSmoothing(0.1).weightDecay(0.05));

  /** The backbone SavedModel folder the transfer recipes name: the paper's pretrained wide ResNet-101. */
  public static final String WIDE_RESNET101 = "saved-models/wide_resnet101";

  private final String cliName;
  private final String description;
  private final TrainConfig config;

  Recipe(String cliName, String description, TrainConfig.Builder config) {
    this.cliName = cliName;
    this.description = description;
    // the recipe's own config carries its name, so a run started from it (and its config.json) does too
    this.config = config.recipe(this).build();
  }

  private static TrainConfig.Builder config(String dataset, String backbone, long width, int depth, double dropout,
      boolean batchNorm, OptimizerKind optimizer, double lr, double momentum, int batch, int epochs,
      String schedule) {
    return TrainConfig.builder().dataset(dataset).backbone(backbone).head(HeadKind.PROGRESSIVE).width(width)
        .depth(depth).dropout(dropout).batchNorm(batchNorm).optimizer(optimizer).learningRate(lr)
        .momentum(momentum).batchSize(batch).epochs(epochs).schedule(schedule).seed(1).augment(false)
        .keepCheckpoints(3);
  }

  /** The name {@code --recipe} takes, also its form in {@code config.json}. */
  @JsonValue
  public String cliName() {
    return cliName;
  }

  public String description() {
    return description;
  }

  /** The recipe's settings; {@link TrainConfig#recipe()} is this recipe. */
  public TrainConfig config() {
    return config;
  }

  /** The recipe's {@code --backbone}: {@code vgg5}, {@code flatten} or a SavedModel folder ({@link #WIDE_RESNET101}). */
  public String backbone() {
    return config.backbone();
  }

  /** What the recipe's backbone is, in the paper's words: "the paper's pretrained wide ResNet-101", "VGG-5", ... */
  public String backboneDescription() {
    return switch (config.backbone()) {
      case "vgg5" -> "VGG-5";
      case "flatten" -> "no backbone: the head on the pixels";
      case WIDE_RESNET101 -> "the paper's pretrained wide ResNet-101";
      default -> config.backbone();
    };
  }

  /** The recipe named {@code name} (its {@link #cliName()}, any case). */
  @JsonCreator
  public static Recipe parse(String name) {
    for (Recipe r : values()) {
      if (r.cliName.equals(name.toLowerCase(Locale.ROOT))) {
        return r;
      }
    }
    StringBuilder names = new StringBuilder();
    for (Recipe r : values()) {
      names.append(names.length() == 0 ? "" : ", ").append(r.cliName);
    }
    throw new IllegalArgumentException("unknown recipe '" + name + "'; expected one of " + names);
  }
}
