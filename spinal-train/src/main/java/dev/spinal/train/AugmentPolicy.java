package dev.spinal.train;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.spinal.datasets.Augmentation;
import dev.spinal.datasets.Augmentations;
import java.util.List;
import java.util.Locale;

/** Which augmentation a run's training images get ({@code --augment}); validation and test images get none. */
public enum AugmentPolicy {
  /** The images as they are. */
  NONE("none", List.of()),
  /** The paper's MNIST-like scripts: random perspective, then rotation by up to 10 degrees. */
  PAPER("paper", Augmentations.mnistPaperTrain()),
  /**
   * A random crop after 2 pixels of zero padding, a horizontal flip and random erasing ({@link
   * Augmentations#cropFlipErase()}): for Fashion-MNIST and other sets whose classes do not change when mirrored.
   */
  CROP_FLIP_ERASE("crop-flip-erase", Augmentations.cropFlipErase()),
  /** {@link #CROP_FLIP_ERASE} without the erasing: a lighter regularizer for short budgets. */
  CROP_FLIP("crop-flip", Augmentations.cropFlip());

  private final String cliName;
  private final List<Augmentation> steps;

  AugmentPolicy(String cliName, List<Augmentation> steps) {
    this.cliName = cliName;
    this.steps = steps;
  }

  /** The name {@code --augment} takes, also its form in {@code config.json}. */
  @JsonValue
  public String cliName() {
    return cliName;
  }

  /** The augmentation steps, in order. */
  public List<Augmentation> steps() {
    return steps;
  }

  /** {@code none}, {@code paper}, {@code crop-flip-erase} or {@code crop-flip}, any case; {@code true} and {@code false} as paper / none. */
  @JsonCreator
  public static AugmentPolicy parse(String name) {
    String n = name.trim().toLowerCase(Locale.ROOT);
    if (n.equals("true")) {
      return PAPER;
    }
    if (n.equals("false")) {
      return NONE;
    }
    for (AugmentPolicy p : values()) {
      if (p.cliName.equals(n)) {
        return p;
      }
    }
    throw new IllegalArgumentException("unknown augmentation '" + name + "'; expected none, paper, crop-flip-erase"
        + " or crop-flip");
  }
}
