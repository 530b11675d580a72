package dev.spinal.train;

import com.fasterxml.jackson.core.type.TypeReference;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Which of a {@link Recipe}'s settings a run changed: what {@code spinal train --recipe NAME --FLAG VALUE} ran
 * instead of the paper's row. The run's files record it ({@link #toMetadata()}: {@code "recipe"} in
 * {@code result.json} and in an export's {@code spinal.json}), and a substitute backbone is announced at the start
 * ({@link #backboneNotice()}), since a result on another backbone is not the paper's.
 *
 * @param recipe the recipe the run started from
 * @param backbone the run's backbone ({@link TrainConfig#backbone()})
 * @param changed per changed setting, by its name in {@code config.json} ({@code backbone}, {@code epochs},
 *     {@code dataPath}, ...): the recipe's value and the run's, in the order of {@code config.json}
 */
public record RecipeOverrides(Recipe recipe, String backbone, Map<String, Change> changed) {

  /** One changed setting: the recipe's value and the run's, as {@code config.json} writes them. */
  public record Change(Object recipe, Object run) {}

  public RecipeOverrides {
    Objects.requireNonNull(recipe, "recipe");
    Objects.requireNonNull(backbone, "backbone");
    changed = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(changed));
  }

  /** The overrides of the recipe {@code run} started from, or empty for a run configured without a recipe. */
  public static Optional<RecipeOverrides> of(TrainConfig run) {
    return run.recipe() == null ? Optional.empty() : Optional.of(of(run.recipe(), run));
  }

  /**
   * The settings of {@code run} that differ from {@code recipe}'s. A backbone folder named differently but
   * resolving to the same folder ({@code saved-models/x/}, its absolute path) is not a change.
   */
  public static RecipeOverrides of(Recipe recipe, TrainConfig run) {
    Map<String, Object> ours = asMap(recipe.config());
    Map<String, Object> theirs = asMap(run);
    Set<String> keys = new LinkedHashSet<>(ours.keySet());
    keys.addAll(theirs.keySet());
    keys.remove("recipe");
    Map<String, Change> changed = new LinkedHashMap<>();
    for (String key : keys) {
      Object a = ours.get(key);
      Object b = theirs.get(key);
      boolean same = key.equals("backbone") ? sameBackbone(recipe.backbone(), run.backbone()) : Objects.equals(a, b);
      if (!same) {
        changed.put(key, new Change(a, b));
      }
    }
    return new RecipeOverrides(recipe, run.backbone(), changed);
  }

  /** True when the run uses another backbone than the recipe's. */
  public boolean substitutesBackbone() {
    return changed.containsKey("backbone");
  }

  /**
   * With a substitute backbone, the line that says so: {@code backbone: saved-models/mobilenetv2-32, a substitute
   * for the recipe's saved-models/wide_resnet101 (the paper's pretrained wide ResNet-101), so the accuracies are not
   * comparable with the paper's table}.
   */
  public Optional<String> backboneNotice() {
    if (!substitutesBackbone()) {
      return Optional.empty();
    }
    return Optional.of("backbone: " + backbone + ", a substitute for the recipe's " + recipe.backbone() + " ("
        + recipe.backboneDescription() + "), so the accuracies are not comparable with the paper's table");
  }

  /**
   * The {@code "recipe"} entry of {@code result.json} and {@code spinal.json}: {@code name}, {@code backbone} (the
   * run's), {@code recipeBackbone} and its {@code recipeBackboneDescription}, {@code substituteFor} (the recipe's
   * backbone when the run substitutes it, else null), and {@code changed}: per changed setting,
   * {@code {"recipe": ..., "run": ...}}.
   */
  public Map<String, Object> toMetadata() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", recipe.cliName());
    m.put("backbone", backbone);
    m.put("recipeBackbone", recipe.backbone());
    m.put("recipeBackboneDescription", recipe.backboneDescription());
    m.put("substituteFor", substitutesBackbone() ? recipe.backbone() : null);
    Map<String, Object> c = new LinkedHashMap<>();
    changed.forEach((k, v) -> {
      Map<String, Object> pair = new LinkedHashMap<>();
      pair.put("recipe", v.recipe());
      pair.put("run", v.run());
      c.put(k, pair);
    });
    m.put("changed", c);
    return m;
  }

  private static boolean sameBackbone(String a, String b) {
    if (a.equals(b)) {
      return true;
    }
    if (Backbones.isBuiltIn(a) || Backbones.isBuiltIn(b)) {
      return false;
    }
    return Path.of(a).toAbsolutePath().normalize().equals(Path.of(b).toAbsolutePath().normalize());
  }

  private static Map<String, Object> asMap(TrainConfig config) {
    return Checkpoints.JSON.convertValue(config, new TypeReference<LinkedHashMap<String, Object>>() {});
  }
}
