package dev.spinal.train;

import dev.spinal.core.backbones.Backbone;
import dev.spinal.core.backbones.FlattenBackbone;
import dev.spinal.core.backbones.Vgg5Backbone;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resolves a {@code --backbone} value to a backbone for images of a given size. */
public final class Backbones {

  private Backbones() {}

  /** Fails early (before any data is loaded) when a SavedModel backbone folder is missing. */
  public static void checkAvailable(String name) {
    if (!name.equals("vgg5") && !name.equals("flatten")) {
      resolve(name, 1, 1, 1);
    }
  }

  /**
   * @param name {@code vgg5}, {@code flatten}, or a backbone SavedModel folder
   * @throws IllegalArgumentException naming what is missing and how to get it
   */
  public static Backbone resolve(String name, int height, int width, int channels) {
    switch (name) {
      case "vgg5":
        return new Vgg5Backbone(height, width, channels);
      case "flatten":
        return new FlattenBackbone(height, width, channels);
      default:
        Path dir = Path.of(name);
        if (!Files.isDirectory(dir)) {
          throw new IllegalArgumentException(
              "backbone '" + name + "' is neither vgg5, flatten nor a SavedModel folder: " + dir.toAbsolutePath()
                  + " does not exist. Export one with saved-models/export_backbone.py (e.g. a pretrained"
                  + " wide ResNet-101 on a machine with internet; see saved-models/README.md) and pass its"
                  + " folder to --backbone.");
        }
        throw new IllegalArgumentException(
            "SavedModel backbones (" + dir + ") are not supported by the trainer yet (issue 5);"
                + " use --backbone vgg5 or flatten");
    }
  }
}
