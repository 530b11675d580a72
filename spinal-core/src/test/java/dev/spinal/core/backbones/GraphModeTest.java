package dev.spinal.core.backbones;

import static dev.spinal.core.backbones.ClassifierTest.randomImages;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.spinal.core.Classifier;
import dev.spinal.core.GraphContext;
import dev.spinal.core.GraphContext.Mode;
import dev.spinal.core.check.FloatingTensors;
import dev.spinal.core.heads.HeadKind;
import dev.spinal.core.heads.HeadSpec;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * A training-only and an inference-only graph compute what the switched graph computes in that
 * mode, from the same seed, and contain only their own mode's ops.
 */
class GraphModeTest {

  /** VGG-5 + progressive head with head batch norm and dropout, built in {@code mode}. */
  private static final class Model implements AutoCloseable {
    final Graph graph = new Graph();
    final GraphContext ctx;
    final Placeholder<TFloat32> images;
    final Classifier classifier;
    final Session session;

    Model(Mode mode) {
      ctx = GraphContext.create(graph, 11, mode);
      images = ctx.tf().withName("images").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 28, 28, 1)));
      Backbone vgg = new Vgg5Backbone();
      HeadSpec spec = HeadSpec.builder().inputSize(vgg.featureSize()).width(32).depth(3).classes(10)
          .dropout(0.3).batchNorm(true).build();
      classifier = Classifier.build(ctx, images, vgg, HeadKind.PROGRESSIVE.create(spec));
      session = new Session(graph);
      session.initialize();
    }

    /** Logits for {@code x}; {@code training} null leaves the graph's default. */
    double[] logits(TFloat32 x, Boolean training, long step) {
      try (TInt64 s = TInt64.scalarOf(step)) {
        Session.Runner r = session.runner().feed(images, x).feed(ctx.step(), s).fetch(classifier.logits());
        if (training == null) {
          return run(r);
        }
        try (TBool t = TBool.scalarOf(training)) {
          return run(r.feed(ctx.training(), t));
        }
      }
    }

    /** Runs the moving-average updates once on {@code x} (switched graphs need training fed). */
    void updateStatistics(TFloat32 x) {
      try (TBool on = TBool.scalarOf(true)) {
        Session.Runner r = session.runner().feed(images, x).feed(ctx.training(), on);
        ctx.updateOps().forEach(r::addTarget);
        r.run();
      }
    }

    List<String> opTypes() {
      List<String> types = new ArrayList<>();
      Iterator<GraphOperation> it = graph.operations();
      it.forEachRemaining(op -> types.add(op.type() + ":" + op.name()));
      return types;
    }

    @Override
    public void close() {
      session.close();
      graph.close();
    }
  }

  private static double[] run(Session.Runner runner) {
    try (Result r = runner.run()) {
      return FloatingTensors.read(r.get(0));
    }
  }

  @Test
  void trainingGraphMatchesSwitchedGraphInTrainingMode() {
    try (Model switched = new Model(Mode.SWITCHED);
        Model training = new Model(Mode.TRAINING);
        TFloat32 x = randomImages(8, 3)) {
      double[] expected = switched.logits(x, true, 42);
      // same seed -> same initial weights and the same dropout mask for the same step
      assertThat(training.logits(x, null, 42)).containsExactly(expected, within(1e-5));
      assertThat(training.logits(x, null, 43)).isNotEqualTo(expected);
      assertThat(training.ctx.updateOps()).hasSize(switched.ctx.updateOps().size());
    }
  }

  @Test
  void inferenceGraphMatchesSwitchedGraphInInferenceMode() {
    try (Model switched = new Model(Mode.SWITCHED);
        Model inference = new Model(Mode.INFERENCE);
        TFloat32 x = randomImages(8, 4)) {
      assertThat(inference.logits(x, null, 7))
          .containsExactly(switched.logits(x, null, 7), within(1e-5));
      // and it is deterministic: no dropout whatever the step
      assertThat(inference.logits(x, null, 8)).containsExactly(inference.logits(x, null, 7), within(0.0));
      assertThat(inference.ctx.updateOps()).isEmpty();
    }
  }

  @ParameterizedTest
  @EnumSource(value = Mode.class, names = {"TRAINING", "INFERENCE"})
  void fixedModeGraphsHoldOnlyTheirOwnBehaviour(Mode mode) {
    try (Model model = new Model(mode)) {
      List<String> ops = model.opTypes();
      assertThat(ops).noneMatch(op -> op.startsWith("Select"));
      if (mode == Mode.TRAINING) {
        assertThat(model.ctx.derivedUpdates()).isEmpty();
        assertThat(ops).noneMatch(op -> op.contains("bn_infer"));
        assertThat(ops).anyMatch(op -> op.startsWith("StatelessRandomUniform:progressive_spinal_head/dropout/"));
      } else {
        assertThat(ops).noneMatch(op -> op.contains("bn_train"));
        assertThat(ops).noneMatch(op -> op.contains("/dropout/"));
        // the ten conv batch norms are folded into their convolutions; the head's is not
        assertThat(ops).noneMatch(op -> op.startsWith("FusedBatchNormV3:vgg5/"));
        assertThat(ops).filteredOn(op -> op.startsWith("VariableV2:") && op.endsWith("/folded_kernel"))
            .hasSize(10);
        assertThat(model.ctx.derivedUpdates()).hasSize(20);
      }
      assertThat(ops).anyMatch(op -> op.startsWith("FusedBatchNormV3"));
    }
  }

  @Test
  void everyModeCreatesTheSameVariables() {
    try (Model switched = new Model(Mode.SWITCHED);
        Model training = new Model(Mode.TRAINING);
        Model inference = new Model(Mode.INFERENCE)) {
      List<String> names = names(switched.ctx);
      assertThat(names).hasSizeGreaterThan(20);
      assertThat(names(training.ctx)).isEqualTo(names);
      assertThat(names(inference.ctx)).isEqualTo(names);
    }
  }

  @Test
  void updatedMovingStatisticsAreWhatAnInferenceGraphNormalizesWith() {
    try (Model switched = new Model(Mode.SWITCHED);
        Model inference = new Model(Mode.INFERENCE);
        TFloat32 x = randomImages(8, 5)) {
      switched.updateStatistics(x);
      double[] before = inference.logits(x, null, 0);
      copy(switched, inference);
      double[] after = inference.logits(x, null, 0);
      assertThat(after).isNotEqualTo(before);
      assertThat(after).containsExactly(switched.logits(x, null, 0), within(1e-5));
    }
  }

  private static List<String> names(GraphContext ctx) {
    List<String> names = new ArrayList<>();
    ctx.trainableVariables().forEach(v -> names.add(v.op().name()));
    ctx.nonTrainableVariables().forEach(v -> names.add(v.op().name()));
    return names;
  }

  /** Copies the moving statistics by name (the trainable weights are equal from the seed). */
  private static void copy(Model from, Model to) {
    var ops = to.ctx.tf().withSubScope("copy");
    Session.Runner fetch = from.session.runner();
    from.ctx.nonTrainableVariables().forEach(fetch::fetch);
    try (Result values = fetch.run()) {
      Session.Runner assign = to.session.runner();
      for (int i = 0; i < values.size(); i++) {
        @SuppressWarnings("unchecked")
        var target = (org.tensorflow.op.core.Variable<TFloat32>) to.ctx.nonTrainableVariables().get(i);
        assertThat(target.op().name()).isEqualTo(from.ctx.nonTrainableVariables().get(i).op().name());
        assign.addTarget(ops.assign(target, ops.constantOf((TFloat32) values.get(i))));
      }
      assign.run();
    }
    // the inference graph's folded batch norms read the statistics only through derived updates
    Session.Runner refresh = to.session.runner();
    to.ctx.derivedUpdates().forEach(refresh::addTarget);
    refresh.run();
  }
}
