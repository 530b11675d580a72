package dev.spinal.core;

import dev.spinal.core.backbones.Backbone;
import dev.spinal.core.heads.BuiltHead;
import dev.spinal.core.heads.Head;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * A backbone with a head on top, with the outputs a serving signature exposes: images
 * {@code [batch, H, W, C]} to {@code logits} and {@code probabilities} {@code [batch, classes]} and
 * {@code classes} {@code [batch]} (int64 arg-max), each an op named so in the graph.
 */
public final class Classifier {

  public static final String LOGITS = "logits";
  public static final String PROBABILITIES = "probabilities";
  public static final String CLASSES = "classes";

  private final Operand<TFloat32> features;
  private final BuiltHead<TFloat32> head;
  private final Operand<TFloat32> logits;
  private final Operand<TFloat32> probabilities;
  private final Operand<TInt64> classes;
  private final List<Variable<?>> backboneVariables;

  private Classifier(
      List<Variable<?>> backboneVariables,
      Operand<TFloat32> features,
      BuiltHead<TFloat32> head,
      Operand<TFloat32> logits,
      Operand<TFloat32> probabilities,
      Operand<TInt64> classes) {
    this.backboneVariables = List.copyOf(backboneVariables);
    this.features = features;
    this.head = head;
    this.logits = logits;
    this.probabilities = probabilities;
    this.classes = classes;
  }

  /**
   * Builds {@code head(backbone(images))} into {@code ctx}'s graph.
   *
   * @throws IllegalArgumentException if the head's input size is not the backbone's feature size,
   *     or the images do not fit the backbone; nothing is added to the graph then
   */
  public static Classifier build(
      GraphContext ctx, Operand<TFloat32> images, Backbone backbone, Head head) {
    if (head.inputSize() != backbone.featureSize()) {
      throw new IllegalArgumentException(String.format(
          "the %s head reads %d features (inputSize) but the %s backbone gives %d: size the head from"
              + " backbone.featureSize()", head.name(), head.inputSize(), backbone.name(), backbone.featureSize()));
    }
    backbone.checkImages(images);
    int trainableBefore = ctx.trainableVariables().size();
    int stateBefore = ctx.nonTrainableVariables().size();
    Operand<TFloat32> features = backbone.build(ctx, images);
    // the backbone is built before the head, so its variables and their seeds do not depend on the head
    List<Variable<?>> backboneVariables = new ArrayList<>(ctx.trainableVariables().subList(trainableBefore,
        ctx.trainableVariables().size()));
    backboneVariables.addAll(ctx.nonTrainableVariables().subList(stateBefore, ctx.nonTrainableVariables().size()));
    BuiltHead<TFloat32> built = head.build(ctx, features);
    Ops tf = ctx.tf();
    Operand<TFloat32> logits = tf.withName(LOGITS).identity(built.logits());
    Operand<TFloat32> probabilities = tf.withName(PROBABILITIES).nn.softmax(logits);
    Operand<TInt64> classes = tf.withName(CLASSES).math.argMax(logits, tf.constant(1));
    return new Classifier(backboneVariables, features, built, logits, probabilities, classes);
  }

  /**
   * The variables the backbone created in this graph, trainable ones first (in creation order), then its
   * state (batch-norm moving statistics); empty for a backbone without weights ({@code flatten}).
   */
  public List<Variable<?>> backboneVariables() {
    return backboneVariables;
  }

  /** Backbone output {@code [batch, featureSize]}. */
  public Operand<TFloat32> features() {
    return features;
  }

  public BuiltHead<TFloat32> head() {
    return head;
  }

  public Operand<TFloat32> logits() {
    return logits;
  }

  public Operand<TFloat32> probabilities() {
    return probabilities;
  }

  public Operand<TInt64> classes() {
    return classes;
  }
}
