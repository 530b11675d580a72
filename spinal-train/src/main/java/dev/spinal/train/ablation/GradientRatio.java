package dev.spinal.train.ablation;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.spinal.train.TensorBoardEvents;
import java.io.IOException;
import java.nio.file.Path;
import java.util.NavigableMap;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gradient highway of one run as training went: the head's first hidden layer's weight-gradient norm over its
 * last hidden layer's, {@code ||dL/dW_first|| / ||dL/dW_last||}, as the run logged it to TensorBoard every N steps
 * ({@value #TAG}). About 1: the first layer gets as strong a gradient as the last; far below 1: it vanishes on the
 * way down.
 *
 * @param firstStep the first logged step (0: the initialization)
 * @param atFirstStep the ratio there
 * @param median the median over every logged step
 * @param lastStep the last logged step
 * @param atLastStep the ratio there
 * @param logged how many steps were logged
 */
public record GradientRatio(
    @JsonProperty("first_step") long firstStep,
    @JsonProperty("at_first_step") double atFirstStep,
    @JsonProperty("median") double median,
    @JsonProperty("last_step") long lastStep,
    @JsonProperty("at_last_step") double atLastStep,
    @JsonProperty("steps_logged") int logged) {

  /** The TensorBoard tag {@code TensorBoardLog} writes the ratio under. */
  public static final String TAG = "gradient_flow/head_first_over_last_hidden";

  private static final Logger log = LoggerFactory.getLogger(GradientRatio.class);

  /** The ratio over the logged steps; empty when none was logged. */
  public static Optional<GradientRatio> of(NavigableMap<Long, Double> byStep) {
    if (byStep == null || byStep.isEmpty()) {
      return Optional.empty();
    }
    double[] values = byStep.values().stream().mapToDouble(Double::doubleValue).sorted().toArray();
    int n = values.length;
    double median = n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    return Optional.of(new GradientRatio(byStep.firstKey(), byStep.firstEntry().getValue(), median, byStep.lastKey(),
        byStep.lastEntry().getValue(), n));
  }

  /**
   * The ratio a run folder's {@code tensorboard/} holds; empty when the run logged no gradient norms, or when its
   * event files cannot be read (a warning names the file: the report is written without it).
   */
  public static Optional<GradientRatio> read(Path runDir) {
    try {
      return of(TensorBoardEvents.scalars(runDir.resolve("tensorboard")).get(TAG));
    } catch (IOException e) {
      log.warn("cannot read the gradient norms of {}: {}", runDir, e.getMessage());
      return Optional.empty();
    }
  }
}
