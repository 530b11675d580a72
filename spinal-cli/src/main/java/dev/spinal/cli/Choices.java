package dev.spinal.cli;

import dev.spinal.core.heads.HeadKind;
import dev.spinal.core.layers.Activation;
import dev.spinal.datasets.DatasetId;
import dev.spinal.train.AugmentPolicy;
import dev.spinal.train.OptimizerKind;
import dev.spinal.train.Precision;
import dev.spinal.train.Recipe;
import dev.spinal.train.Schedule;
import dev.spinal.train.TestTimeAugmentation;
import dev.spinal.train.TimeBudget;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * The closed sets of values the options take, each one both a picocli converter and the option's
 * completion candidates (so shell completion and {@code ${COMPLETION-CANDIDATES}} in a description
 * list them). A converter checks the value while the command line is parsed, so a wrong value is a
 * usage error (exit 2) whose message picocli prefixes with the option's name:
 * {@code Invalid value for option '--head': unknown head 'x'; expected one of progressive, spinal, dense}.
 * The values stay strings where the command passes them on as text; the library's own parser does
 * the checking, so its accepted values and this list cannot drift apart.
 */
final class Choices {

  private Choices() {}

  /** A converter to a checked string whose candidates are {@code names}, checked by {@code parse}. */
  abstract static class Names implements ITypeConverter<String>, Iterable<String> {
    private final List<String> names;
    private final Function<String, ?> parse;

    Names(List<String> names, Function<String, ?> parse) {
      this.names = names;
      this.parse = parse;
    }

    @Override
    public String convert(String value) {
      try {
        parse.apply(value);
        return value;
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }

    @Override
    public Iterator<String> iterator() {
      return names.iterator();
    }
  }

  /** Names from {@code values}, parsed by an exact (case-insensitive) match, with an error listing them. */
  private static Function<String, String> oneOf(String what, List<String> values) {
    return value -> {
      for (String v : values) {
        if (v.equalsIgnoreCase(value)) {
          return v;
        }
      }
      throw new IllegalArgumentException("unknown " + what + " '" + value + "'; expected "
          + (values.size() == 2 ? values.get(0) + " or " + values.get(1) : "one of " + String.join(", ", values)));
    };
  }

  /** {@code --recipe}: the rows of {@link Recipe}. */
  static final class RecipeName extends Names {
    RecipeName() {
      super(Arrays.stream(Recipe.values()).map(Recipe::cliName).toList(), Recipe::parse);
    }
  }

  /** {@code --head}: {@link HeadKind}'s CLI names. */
  static final class HeadName extends Names {
    HeadName() {
      super(Arrays.stream(HeadKind.values()).map(HeadKind::cliName).toList(), HeadKind::parse);
    }
  }

  /** {@code --optimizer}: {@link OptimizerKind}. */
  static final class OptimizerName extends Names {
    OptimizerName() {
      super(Arrays.stream(OptimizerKind.values()).map(k -> k.name().toLowerCase(Locale.ROOT)).toList(),
          OptimizerKind::parse);
    }
  }

  /** {@code --precision}: {@link Precision}. */
  static final class PrecisionName extends Names {
    PrecisionName() {
      super(Arrays.stream(Precision.values()).map(Precision::toString).toList(), Precision::parse);
    }
  }

  /** {@code --augment}: the names {@link AugmentPolicy#parse} reads. */
  static final class AugmentName extends Names {
    AugmentName() {
      super(Arrays.stream(AugmentPolicy.values()).map(AugmentPolicy::cliName).toList(),
          v -> AugmentPolicy.parse(v).cliName());
    }
  }

  /** {@code --tta}: {@link TestTimeAugmentation}'s names. */
  static final class TtaName extends Names {
    TtaName() {
      super(Arrays.stream(TestTimeAugmentation.values()).map(TestTimeAugmentation::cliName).toList(),
          v -> TestTimeAugmentation.parse(v).cliName());
    }
  }

  /** {@code --device}: what {@link dev.spinal.train.Devices#sessionConfig} accepts. */
  static final class DeviceName extends Names {
    DeviceName() {
      super(List.of("cpu", "gpu"), oneOf("device", List.of("cpu", "gpu")));
    }

    @Override
    public String convert(String value) {
      return super.convert(value).toLowerCase(Locale.ROOT);
    }
  }

  /** {@code --split}: the three splits of a dataset. */
  static final class SplitName extends Names {
    SplitName() {
      super(List.of("train", "validation", "test"), oneOf("split", List.of("train", "validation", "test")));
    }

    @Override
    public String convert(String value) {
      return super.convert(value).toLowerCase(Locale.ROOT);
    }
  }

  /** {@code --activation}: {@link Activation}, in lower case. */
  static final class ActivationName extends Names {
    ActivationName() {
      super(names(), oneOf("activation", names()));
    }

    private static List<String> names() {
      return Arrays.stream(Activation.values()).map(a -> a.name().toLowerCase(Locale.ROOT)).toList();
    }
  }

  /** {@code --schedule}: {@link Schedule#parse}'s forms; completion offers those without parameters. */
  static final class ScheduleText extends Names {
    ScheduleText() {
      super(List.of("constant", "plateau-cube", "cosine", "one-cycle"), ScheduleText::parse);
    }

    private static Schedule parse(String text) {
      try {
        return Schedule.parse(text);
      } catch (NumberFormatException e) {
        // Schedule.parse reports only the number Java could not read
        String expected = text.startsWith("one-cycle") ? "one-cycle:WARMUP with a number WARMUP in (0, 1)"
            : text.startsWith("cosine") ? "cosine:FLOOR with a number FLOOR in (0, 1)"
            : "step:STEP:GAMMA with an integer STEP and a number GAMMA";
        throw new IllegalArgumentException("'" + text + "' is not " + expected + " (" + e.getMessage() + ")");
      }
    }
  }

  /** {@code --time-budget}: {@link TimeBudget#parse}'s forms; completion offers common budgets. */
  static final class DurationText extends Names {
    DurationText() {
      super(List.of("15m", "30m", "1h"), TimeBudget::parse);
    }
  }

  /** {@code peers bench --rows}: which rows of the peer table to measure. */
  static final class BenchRows extends Names {
    BenchRows() {
      super(List.of("all", "train", "infer"), oneOf("row set", List.of("all", "train", "infer")));
    }
  }

  /** Completion candidates of {@code --dataset}: {@link DatasetId}'s keys (the loader checks the value). */
  static final class DatasetKeys implements Iterable<String> {
    @Override
    public Iterator<String> iterator() {
      return Arrays.stream(DatasetId.values()).map(DatasetId::key).iterator();
    }
  }
}
