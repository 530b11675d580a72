package dev.spinal.core.heads;

import com.google.common.collect.ImmutableList;
import dev.spinal.core.layers.Dense;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.types.family.TFloating;

/**
 * What {@link Head#build} added to a graph: the logits {@code [batch, classes]} and the head's dense
 * layers in order from input to output (the last is the output layer), for inspection and
 * {@link dev.spinal.core.check.GradientFlow}.
 */
public record BuiltHead<T extends TFloating>(Operand<T> logits, List<Dense<T>> layers) {
  public BuiltHead {
    layers = ImmutableList.copyOf(layers);
  }
}
