package dev.spinal.core.check;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkState;

import com.google.common.collect.ImmutableList;
import dev.spinal.core.GraphContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Assign;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.family.TFloating;

/**
 * Checks the symbolic gradients TensorFlow builds ({@link Graph#addGradients}) against central finite
 * differences, for any subgraph: a user's layer, one op, or a whole head.
 *
 * <p>The subgraph is built in a fresh graph from placeholders of the declared input shapes. Its output
 * {@code y} (any shape) is reduced to the scalar {@code L = sum(r * y)} with fixed random weights
 * {@code r}, so every element of {@code y} takes part. For every input and every variable the
 * subgraph created ({@code VariableV2} ops upstream of {@code y}), each element {@code e} is
 * perturbed: {@code (L(e + h) - L(e - h)) / 2h} is compared with {@code dL/de}. The report gives, per
 * input, the max absolute error and the relative error {@code max|Δ| / max(max|dL/de|, floor)}
 * (see {@link #gradientFloor}).
 *
 * <p>Checks run in float64 ({@link #float64}) unless an op has no float64 kernel, as TF's
 * {@code FusedBatchNormV3}: {@link #float32} then uses a larger step and the report must be read
 * with a looser tolerance. The graph's {@code training} switch is fed {@code true} (batch norm on
 * batch statistics, dropout on). Spinal's dropout is a stateless function of its seed and the
 * graph's {@code step} (left at 0), so its mask is fixed across the finite-difference runs; a
 * stateful random op in a user's subgraph would break the comparison.
 *
 * <pre>{@code
 * GradientCheck.Report report =
 *     GradientCheck.float64((ctx, in) -> ctx.tf().math.tanh(in.get(0)))
 *         .input("x", Shape.of(3, 4))
 *         .run();
 * assert report.maxRelativeError() < 1e-7;
 * }</pre>
 */
public final class GradientCheck<T extends TFloating> {

  /** Builds the subgraph under test from its inputs (one per {@link #input} call, in order). */
  @FunctionalInterface
  public interface Subgraph<T extends TFloating> {
    Operand<T> build(GraphContext ctx, List<Operand<T>> inputs);
  }

  private record InputSpec(String name, Shape shape, double[] values) {}

  private final Class<T> type;
  private final Subgraph<T> subgraph;
  private final List<InputSpec> inputs = new ArrayList<>();
  private double step;
  private double gradientFloor;
  private long seed = 42;
  private boolean training = true;

  private GradientCheck(Class<T> type, Subgraph<T> subgraph, double step, double gradientFloor) {
    this.type = type;
    this.subgraph = subgraph;
    this.step = step;
    this.gradientFloor = gradientFloor;
  }

  /** A float64 check, step 1e-6. */
  public static GradientCheck<TFloat64> float64(Subgraph<TFloat64> subgraph) {
    return new GradientCheck<>(TFloat64.class, subgraph, 1e-6, 1e-4);
  }

  /** A float32 check for ops without a float64 kernel, step 1e-3; expect errors near 1e-3. */
  public static GradientCheck<TFloat32> float32(Subgraph<TFloat32> subgraph) {
    return new GradientCheck<>(TFloat32.class, subgraph, 1e-3, 1e-1);
  }

  /** Adds an input with standard-normal values drawn from the check's seed. */
  public GradientCheck<T> input(String name, Shape shape) {
    return input(name, shape, null);
  }

  /** Adds an input with the given row-major values. */
  public GradientCheck<T> input(String name, Shape shape, double[] values) {
    checkArgument(!shape.hasUnknownDimension(), "input %s needs a fully known shape, got %s", name, shape);
    checkArgument(
        values == null || values.length == shape.size(),
        "input %s: shape %s holds %s values, got %s",
        name,
        shape,
        shape.size(),
        values == null ? 0 : values.length);
    inputs.add(new InputSpec(name, shape, values));
    return this;
  }

  /** Finite-difference step (default 1e-6 for float64, 1e-3 for float32). */
  public GradientCheck<T> step(double step) {
    checkArgument(step > 0, "step must be > 0, got %s", step);
    this.step = step;
    return this;
  }

  /**
   * Gradients smaller than this are compared on its scale: {@code relative = maxAbs / max(maxGrad,
   * floor)}. Without a floor a gradient that is zero in exact arithmetic (a bias followed by batch
   * norm) reports finite-difference round-off as a 100% error. Default 1e-4 (float64), 0.1 (float32).
   */
  public GradientCheck<T> gradientFloor(double floor) {
    checkArgument(floor > 0, "gradient floor must be > 0, got %s", floor);
    this.gradientFloor = floor;
    return this;
  }

  /** Seed of random input values and of the output weights {@code r}. */
  public GradientCheck<T> seed(long seed) {
    this.seed = seed;
    return this;
  }

  /** Value fed to the graph's {@code training} switch (default {@code true}). */
  public GradientCheck<T> training(boolean training) {
    this.training = training;
    return this;
  }

  /** Builds the graph, runs the comparison and returns the report. */
  public Report run() {
    Random random = new Random(seed);
    try (Graph graph = new Graph()) {
      GraphContext ctx = GraphContext.switched(graph, seed);
      Ops tf = ctx.tf();
      List<Placeholder<T>> placeholders = new ArrayList<>();
      List<Operand<T>> operands = new ArrayList<>();
      for (InputSpec in : inputs) {
        Placeholder<T> p =
            tf.withName(in.name()).placeholder(type, Placeholder.shape(in.shape()));
        placeholders.add(p);
        operands.add(p);
      }
      Operand<T> y = subgraph.build(ctx, operands);
      checkState(y != null, "the subgraph returned no output");
      Operand<TFloat64> y64 = tf.dtypes.cast(y, TFloat64.class);
      // The weights depend on y only through its shape: cut that edge for the gradient builder.
      Operand<TFloat64> weights =
          tf.stopGradient(
              tf.random.statelessRandomNormal(
                  tf.shape(y64), tf.constant(new long[] {seed, 7}), TFloat64.class));
      Operand<TFloat64> loss =
          tf.reduceSum(tf.math.mul(y64, weights), tf.range(tf.constant(0), tf.rank(y64), tf.constant(1)));

      List<Target> targets = new ArrayList<>();
      double[][] inputValues = new double[inputs.size()][];
      for (int i = 0; i < inputs.size(); i++) {
        InputSpec in = inputs.get(i);
        inputValues[i] = in.values() != null ? in.values().clone() : normal(random, in.shape());
        targets.add(new Target(in.name(), "input", placeholders.get(i).output(), in.shape(), null));
      }
      Ops setters = tf.withSubScope("gradient_check");
      for (GraphOperation variable : variablesUpstreamOf(graph, loss)) {
        Output<T> ref = variable.output(0);
        String flatName = variable.name().replace('/', '.');
        Placeholder<T> value =
            setters.withName(flatName + ".value").placeholder(type, Placeholder.shape(ref.shape()));
        Assign<T> assign = setters.withName(flatName + ".assign").assign(ref, value);
        targets.add(new Target(variable.name(), "variable", ref, ref.shape(), new Setter<>(value, assign)));
      }
      Output<?>[] xs = targets.stream().map(Target::output).toArray(Output<?>[]::new);
      Output<?>[] grads = graph.addGradients(loss.asOutput(), xs);

      try (Session session = new Session(graph)) {
        Evaluator eval = new Evaluator(session, ctx, loss, placeholders, inputValues, type, training);
        List<Entry> entries = new ArrayList<>();
        for (int t = 0; t < targets.size(); t++) {
          entries.add(checkTarget(eval, targets.get(t), grads[t], t, inputValues));
        }
        return new Report(entries);
      }
    }
  }

  private Entry checkTarget(
      Evaluator eval, Target target, Output<?> gradient, int index, double[][] inputValues) {
    double[] values;
    if (target.setter() == null) {
      values = inputValues[index];
    } else {
      values = eval.fetch(target.output());
    }
    // TF returns no gradient (a closed output) where y does not depend on x: that claims zeros.
    double[] symbolic =
        gradient == null || gradient.isClosed() ? new double[values.length] : eval.fetch(gradient);
    double maxAbs = 0;
    double maxGrad = 0;
    for (int e = 0; e < values.length; e++) {
      double original = values[e];
      values[e] = original + step;
      double plus = eval.lossWith(target, values);
      values[e] = original - step;
      double minus = eval.lossWith(target, values);
      values[e] = original;
      double numeric = (plus - minus) / (2 * step);
      maxAbs = Math.max(maxAbs, Math.abs(numeric - symbolic[e]));
      maxGrad = Math.max(maxGrad, Math.max(Math.abs(numeric), Math.abs(symbolic[e])));
    }
    if (target.setter() != null) {
      eval.set(target, values);
    }
    double relative = maxAbs / Math.max(maxGrad, gradientFloor);
    return new Entry(target.name(), target.kind(), values.length, maxAbs, relative, maxGrad);
  }

  private static Set<GraphOperation> variablesUpstreamOf(Graph graph, Operand<?> output) {
    Set<GraphOperation> upstream = graph.subgraphTo(Set.of(output));
    upstream.removeIf(op -> !op.type().equals("VariableV2"));
    return upstream;
  }

  private static double[] normal(Random random, Shape shape) {
    double[] v = new double[Math.toIntExact(shape.size())];
    for (int i = 0; i < v.length; i++) {
      v[i] = random.nextGaussian();
    }
    return v;
  }

  private record Setter<T extends TFloating>(Placeholder<T> value, Assign<T> assign) {}

  private record Target(String name, String kind, Output<?> output, Shape shape, Setter<?> setter) {}

  /** Runs the loss with all inputs fed, the training switch set and one target replaced. */
  private static final class Evaluator {
    private final Session session;
    private final GraphContext ctx;
    private final Operand<TFloat64> loss;
    private final List<? extends Placeholder<?>> placeholders;
    private final double[][] inputValues;
    private final Class<? extends TFloating> type;
    private final boolean training;

    Evaluator(
        Session session,
        GraphContext ctx,
        Operand<TFloat64> loss,
        List<? extends Placeholder<?>> placeholders,
        double[][] inputValues,
        Class<? extends TFloating> type,
        boolean training) {
      this.session = session;
      this.ctx = ctx;
      this.loss = loss;
      this.placeholders = placeholders;
      this.inputValues = inputValues;
      this.type = type;
      this.training = training;
    }

    double[] fetch(Operand<?> output) {
      List<Tensor> fed = new ArrayList<>();
      try {
        Session.Runner runner = feedAll(fed);
        try (Result result = runner.fetch(output).run()) {
          return FloatingTensors.read(result.get(0));
        }
      } finally {
        fed.forEach(Tensor::close);
      }
    }

    double lossWith(Target target, double[] values) {
      if (target.setter() != null) {
        set(target, values);
        return fetch(loss)[0];
      }
      int index = indexOf(target);
      double[] saved = inputValues[index];
      inputValues[index] = values;
      try {
        return fetch(loss)[0];
      } finally {
        inputValues[index] = saved;
      }
    }

    void set(Target target, double[] values) {
      try (Tensor value = FloatingTensors.create(type, target.shape(), values)) {
        session.runner().feed(target.setter().value(), value).addTarget(target.setter().assign()).run();
      }
    }

    private int indexOf(Target target) {
      for (int i = 0; i < placeholders.size(); i++) {
        if (placeholders.get(i).output().equals(target.output())) {
          return i;
        }
      }
      throw new IllegalStateException("not an input: " + target.name());
    }

    private Session.Runner feedAll(List<Tensor> fed) {
      Session.Runner runner = session.runner();
      for (int i = 0; i < placeholders.size(); i++) {
        Tensor t = FloatingTensors.create(type, placeholders.get(i).shape(), inputValues[i]);
        fed.add(t);
        runner.feed(placeholders.get(i), t);
      }
      TBool flag = TBool.scalarOf(training);
      fed.add(flag);
      return runner.feed(ctx.training(), flag);
    }
  }

  /**
   * The result for one input or variable.
   *
   * @param maxAbsoluteError max over elements of |symbolic - numeric|
   * @param relativeError {@code maxAbsoluteError} divided by the largest gradient magnitude seen (or
   *     the check's gradient floor, if larger)
   * @param maxGradient the largest |gradient| element (symbolic or numeric)
   */
  public record Entry(
      String name,
      String kind,
      int elements,
      double maxAbsoluteError,
      double relativeError,
      double maxGradient) {}

  /** Per-input results of a check. */
  public record Report(List<Entry> entries) {
    public Report {
      entries = ImmutableList.copyOf(entries);
    }

    /** The worst relative error over all inputs and variables. */
    public double maxRelativeError() {
      return entries.stream().mapToDouble(Entry::relativeError).max().orElse(0);
    }

    /** The worst absolute error over all inputs and variables. */
    public double maxAbsoluteError() {
      return entries.stream().mapToDouble(Entry::maxAbsoluteError).max().orElse(0);
    }

    /** The entry for an input or variable name. */
    public Entry entry(String name) {
      return entries.stream()
          .filter(e -> e.name().equals(name))
          .findFirst()
          .orElseThrow(() -> new IllegalArgumentException("no input or variable named " + name));
    }

    /** A fixed-width table, one row per input or variable. */
    public String table() {
      StringBuilder sb =
          new StringBuilder(
              String.format(
                  "%-48s %-8s %8s %12s %12s %12s%n",
                  "input", "kind", "elements", "max |grad|", "max abs err", "rel err"));
      for (Entry e : entries) {
        sb.append(
            String.format(
                "%-48s %-8s %8d %12.4e %12.4e %12.4e%n",
                e.name(), e.kind(), e.elements(), e.maxGradient(), e.maxAbsoluteError(), e.relativeError()));
      }
      return sb.toString();
    }
  }
}
