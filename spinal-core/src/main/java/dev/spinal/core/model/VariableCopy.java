package dev.spinal.core.model;

import dev.spinal.core.GraphContext;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * Copies float32 variables from one session into the same-named variables of another graph's
 * session: from a training graph into its inference twin, or from a head trained on cached features
 * into a backbone + head graph. The target's assign ops are added once, by {@link #prepare}, so
 * repeated copies do not grow the graph.
 */
public final class VariableCopy {

  private final List<Variable<?>> sources;
  private final List<Placeholder<TFloat32>> values;
  private final List<Op> assigns;

  private VariableCopy(List<Variable<?>> sources, List<Placeholder<TFloat32>> values, List<Op> assigns) {
    this.sources = sources;
    this.values = values;
    this.assigns = assigns;
  }

  /** {@link #prepare(List, Graph)} for every variable of a model: trainable weights and state. */
  public static VariableCopy prepare(GraphContext model, Graph target) {
    return prepare(model.modelVariables(), target);
  }

  /**
   * Adds to {@code target} one assign op per variable of {@code sources}, matched by op name.
   *
   * @throws IllegalStateException naming the first variable {@code target} lacks, or whose shape
   *     differs
   */
  public static VariableCopy prepare(List<Variable<?>> sources, Graph target) {
    return prepare(sources, sources.stream().map(v -> v.op().name()).toList(), target);
  }

  /**
   * Adds to {@code target} one assign op per variable of {@code sources}, into the variable named by the same
   * position of {@code targetNames}: e.g. a training graph's weight averages into an inference graph's weights.
   *
   * @throws IllegalStateException naming the first variable {@code target} lacks, or whose shape differs
   */
  public static VariableCopy prepare(List<? extends Variable<?>> sources, List<String> targetNames, Graph target) {
    if (sources.size() != targetNames.size()) {
      throw new IllegalArgumentException(sources.size() + " variables to copy but " + targetNames.size()
          + " target names");
    }
    Ops tf = Ops.create(target).withSubScope("spinal_copy");
    List<Placeholder<TFloat32>> values = new ArrayList<>();
    List<Op> assigns = new ArrayList<>();
    for (int i = 0; i < sources.size(); i++) {
      Variable<?> source = sources.get(i);
      String name = targetNames.get(i);
      GraphOperation op = target.operation(name);
      if (op == null) {
        throw new IllegalStateException("the target graph has no variable " + name + " to copy into");
      }
      @SuppressWarnings({"unchecked", "rawtypes"})
      Variable<TFloat32> v = new Variable(op);
      Shape shape = source.shape();
      if (!v.shape().equals(shape) || source.type() != TFloat32.class) {
        throw new IllegalStateException("variable " + name + ": cannot copy " + source.op().name() + " ("
            + source.type().getSimpleName() + shape + ") into " + v.type().getSimpleName() + v.shape());
      }
      // names, not one sub-scope per variable: TF Java's withSubScope walks the whole graph each time
      Placeholder<TFloat32> value =
          tf.withName("v" + i + "_value").placeholder(TFloat32.class, Placeholder.shape(shape));
      values.add(value);
      assigns.add(tf.withName("v" + i + "_assign").assign(v, value));
    }
    return new VariableCopy(List.<Variable<?>>copyOf(sources), values, assigns);
  }

  /** Reads every source variable from {@code from} and assigns it in {@code to}, in one run each. */
  public void copy(Session from, Session to) {
    if (sources.isEmpty()) {
      return;
    }
    Session.Runner fetch = from.runner();
    sources.forEach(fetch::fetch);
    try (Result read = fetch.run()) {
      Session.Runner assign = to.runner();
      for (int i = 0; i < sources.size(); i++) {
        assign.feed(values.get(i), read.get(i)).addTarget(assigns.get(i));
      }
      assign.run();
    }
  }
}
