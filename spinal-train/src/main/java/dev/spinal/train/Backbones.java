package dev.spinal.train;

import dev.spinal.core.backbones.Backbone;
import dev.spinal.core.backbones.FlattenBackbone;
import dev.spinal.core.backbones.Vgg5Backbone;
import dev.spinal.savedmodel.FineTune;
import dev.spinal.savedmodel.ModelTrust;
import dev.spinal.savedmodel.SavedModelBackbone;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Resolves a {@code --backbone} value to a backbone for images of a given size: {@code vgg5}, {@code flatten}, a
 * backbone SavedModel folder, or the name of a pretrained backbone of this machine's cache
 * ({@link PretrainedBackbones}, e.g. {@code efficientnet-lite0}). An existing folder wins over a name.
 */
public final class Backbones {

  private Backbones() {}

  /** True for {@code vgg5} and {@code flatten}, the backbones built in the graph. */
  public static boolean isBuiltIn(String name) {
    return name.equals("vgg5") || name.equals("flatten");
  }

  /**
   * Fails early (before any data is loaded) when a SavedModel backbone folder is missing or
   * incomplete, or when the run asks for something the backbone cannot do.
   */
  public static void checkAvailable(String name, boolean fineTune, boolean augment) {
    checkAvailable(name, fineTune, augment, PretrainedBackbones.fromEnvironment());
  }

  static void checkAvailable(String name, boolean fineTune, boolean augment, PretrainedBackbones pretrained) {
    if (isBuiltIn(name)) {
      return;
    }
    Path dir = folder(name, pretrained);
    for (String required : new String[] {"saved_model.pb", "backbone.json"}) {
      if (!Files.isRegularFile(dir.resolve(required))) {
        throw new IllegalArgumentException("backbone folder " + dir + " has no " + required
            + "; export the backbone with saved-models/export_backbone.py (see saved-models/README.md)");
      }
    }
    if (!Files.isDirectory(dir.resolve("variables"))) {
      throw new IllegalArgumentException("incomplete SavedModel: " + dir + " has no variables/ folder");
    }
    if (augment && !fineTune) {
      throw new IllegalArgumentException("--augment does not combine with a frozen SavedModel backbone: its"
          + " features are computed once per image and cached, so every epoch sees the same un-augmented"
          + " images. Drop --augment, or add --fine-tune (the backbone then runs on every step).");
    }
  }

  /** Same as {@link #checkAvailable(String, boolean, boolean)} for a frozen, un-augmented run. */
  public static void checkAvailable(String name) {
    checkAvailable(name, false, false);
  }

  /**
   * @param name {@code vgg5}, {@code flatten}, a backbone SavedModel folder or a pretrained backbone's name
   * @throws IllegalArgumentException naming what is missing and how to get it
   */
  public static Backbone resolve(String name, int height, int width, int channels) {
    return resolve(name, height, width, channels, false);
  }

  /**
   * @param fineTune for a SavedModel backbone: make its weights trainable
   * @throws IllegalArgumentException naming what is missing and how to get it
   */
  public static Backbone resolve(String name, int height, int width, int channels, boolean fineTune) {
    return resolve(name, height, width, channels, FineTune.of(fineTune, false), ModelTrust.AUDITED);
  }

  /**
   * @param fineTune for a SavedModel backbone: which of its weights are trained
   * @param trust for a SavedModel backbone: refuse it when its audit finds ops that reach outside the model
   *     ({@link ModelTrust#AUDITED}), or load it regardless ({@link ModelTrust#TRUSTED})
   * @throws IllegalArgumentException naming what is missing and how to get it
   */
  public static Backbone resolve(String name, int height, int width, int channels, FineTune fineTune,
      ModelTrust trust) {
    switch (name) {
      case "vgg5":
        return new Vgg5Backbone(height, width, channels);
      case "flatten":
        return new FlattenBackbone(height, width, channels);
      default:
        return SavedModelBackbone.load(folder(name, PretrainedBackbones.fromEnvironment()), height, width, channels,
            fineTune, trust);
    }
  }

  /**
   * The SavedModel folder {@code name} stands for: the folder itself when it exists (as before pretrained names
   * existed), else a pretrained backbone's cache folder.
   */
  static Path folder(String name, PretrainedBackbones pretrained) {
    Path dir = Path.of(name);
    if (Files.isDirectory(dir)) {
      return dir;
    }
    return pretrained.resolve(name).orElseThrow(() -> new IllegalArgumentException(
        "backbone '" + name + "' is neither vgg5, flatten, a pretrained backbone ("
            + String.join(", ", PretrainedBackbones.NAMES) + ") nor a SavedModel folder: " + dir.toAbsolutePath()
            + " does not exist. Export one with saved-models/export_backbone.py (e.g. a pretrained"
            + " wide ResNet-101 on a machine with internet; see saved-models/README.md) and pass its"
            + " folder to --backbone."));
  }
}
