package dev.spinal.cli;

import dev.spinal.train.Recipe;
import dev.spinal.train.TrainConfig;
import java.util.ListResourceBundle;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Help;
import picocli.CommandLine.Help.Column;
import picocli.CommandLine.Help.TextTable;
import picocli.CommandLine.Model.UsageMessageSpec;

/**
 * What {@code spinal train --help} takes from the library rather than from copied text: the
 * built-in default of each setting (the values {@link TrainConfig#builder()} starts from, used
 * where neither a recipe nor an option gives one) and the list of recipes with their
 * {@link Recipe#description()}s, which say where each one differs from the paper.
 *
 * <p>It is the train command's resource bundle ({@code ${bundle:default.width}} in an option's
 * description reads {@code default.width}); picocli looks a bundle up by class name, hence public.
 * The options themselves keep no default value: an option left out must not override the recipe.
 */
public final class TrainHelp extends ListResourceBundle {

  /** The section key of the recipe list in the train command's usage message. */
  static final String RECIPES_SECTION = "recipes";

  @Override
  protected Object[][] getContents() {
    // a config with nothing but the required dataset set holds the builder's defaults
    TrainConfig d = TrainConfig.builder().dataset("any").build();
    return new Object[][] {
        {"default.limit", String.valueOf(d.limit())},
        {"default.backbone", d.backbone()},
        {"default.head", d.head().cliName()},
        {"default.width", String.valueOf(d.width())},
        {"default.depth", String.valueOf(d.depth())},
        {"default.dropout", String.valueOf(d.dropout())},
        {"default.batch-norm", String.valueOf(d.batchNorm())},
        {"default.optimizer", d.optimizer().name().toLowerCase(Locale.ROOT)},
        {"default.lr", String.valueOf(d.learningRate())},
        {"default.momentum", String.valueOf(d.momentum())},
        {"default.batch", String.valueOf(d.batchSize())},
        {"default.epochs", String.valueOf(d.epochs())},
        {"default.max-steps", String.valueOf(d.maxSteps())},
        {"default.schedule", d.schedule()},
        {"default.seed", String.valueOf(d.seed())},
        {"default.augment", d.augmentation().cliName()},
        {"default.label-smoothing", String.valueOf(d.labelSmoothing())},
        {"default.tta", d.testTimeAugmentation().cliName()},
        {"default.weight-decay", String.valueOf(d.weightDecay())},
        {"default.ema", String.valueOf(d.weightAverage())},
        {"default.eval-every", String.valueOf(d.evaluateEvery())},
        {"default.early-stopping", String.valueOf(d.earlyStopping())},
        {"default.keep", String.valueOf(d.keepCheckpoints())},
        {"default.fine-tune", String.valueOf(d.fineTune())},
        {"default.fine-tune-batch-norm", String.valueOf(d.fineTuneBatchNorm())},
        {"default.precision", d.precision().toString()},
    };
  }

  /** Adds the recipe list to {@code train}'s usage message, after the options. */
  static void addRecipeSection(CommandLine train) {
    train.getHelpSectionMap().put(RECIPES_SECTION, TrainHelp::renderRecipes);
    var keys = new java.util.ArrayList<>(train.getHelpSectionKeys());
    keys.add(keys.indexOf(UsageMessageSpec.SECTION_KEY_OPTION_LIST) + 1, RECIPES_SECTION);
    train.setHelpSectionKeys(keys);
  }

  /** Two columns, as picocli lays out commands: the recipe's name, then its description wrapped. */
  private static String renderRecipes(Help help) {
    int nameWidth = 2;
    for (Recipe r : Recipe.values()) {
      nameWidth = Math.max(nameWidth, r.cliName().length() + 4);
    }
    int width = help.commandSpec().usageMessage().width();
    TextTable table = TextTable.forColumns(help.colorScheme(),
        new Column(nameWidth, 2, Column.Overflow.SPAN),
        new Column(Math.max(20, width - nameWidth), 1, Column.Overflow.WRAP));
    for (Recipe r : Recipe.values()) {
      table.addRowValues(r.cliName(), r.description());
    }
    return "%nRecipes (--recipe NAME; an option given overrides the recipe's value):%n".formatted()
        + table;
  }
}
