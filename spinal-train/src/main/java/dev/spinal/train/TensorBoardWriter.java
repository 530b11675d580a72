package dev.spinal.train;

import java.nio.file.Path;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.summary.SummaryWriter;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TString;

/**
 * Scalars and histograms to TensorBoard event files in a folder, written by TF's own summary ops
 * ({@code CreateSummaryFileWriter}, {@code WriteScalarSummary}, {@code WriteHistogramSummary}) in a small
 * graph of their own, so the model's graph and its exports stay free of them. A histogram's values are fed
 * as a tensor (one fetched from the training session goes in as it is, without a copy into Java) and
 * bucketed by TensorFlow as {@code tf.summary.histogram} in TF1 does: TensorBoard shows it under
 * Histograms and Distributions.
 */
public final class TensorBoardWriter implements AutoCloseable {

  private final Graph graph = new Graph();
  private final Session session;
  private final Placeholder<TString> tag;
  private final Placeholder<TFloat32> value;
  private final Placeholder<TInt64> step;
  private final Op write;
  private final Placeholder<TFloat32> values;
  private final Op writeHistogram;
  private final Op flush;
  private final Op closeWriter;

  public TensorBoardWriter(Path logDir) {
    Ops tf = Ops.create(graph);
    // A shared name unique to this writer: TF keeps summary writers in a process-wide resource
    // manager, and two writers sharing a name would close each other's resource.
    SummaryWriter writer = tf.summary.summaryWriter(
        SummaryWriter.sharedName("spinal_" + java.util.UUID.randomUUID().toString().replace("-", "")));
    Op create = tf.summary.createSummaryFileWriter(writer, tf.constant(logDir.toString()),
        tf.constant(10), tf.constant(1000), tf.constant(".spinal"));
    tag = tf.placeholder(TString.class, Placeholder.shape(Shape.scalar()));
    value = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
    step = tf.placeholder(TInt64.class, Placeholder.shape(Shape.scalar()));
    write = tf.summary.writeScalarSummary(writer, step, tag, value);
    values = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.unknown()));
    writeHistogram = tf.summary.writeHistogramSummary(writer, step, tag, values);
    flush = tf.summary.flushSummaryWriter(writer);
    closeWriter = tf.summary.closeSummaryWriter(writer);
    session = new Session(graph);
    session.runner().addTarget(create).run();
  }

  /** Writes {@code name = v} at {@code globalStep}. */
  public void scalar(String name, double v, long globalStep) {
    try (TString t = TString.scalarOf(name);
        TFloat32 x = TFloat32.scalarOf((float) v);
        TInt64 s = TInt64.scalarOf(globalStep)) {
      session.runner().feed(tag, t).feed(value, x).feed(step, s).addTarget(write).run();
    }
  }

  /**
   * Writes a histogram of every value of {@code tensor} (any shape, finite values: TensorFlow refuses NaN
   * and Inf) as {@code name} at {@code globalStep}. The caller keeps ownership of the tensor.
   */
  public void histogram(String name, TFloat32 tensor, long globalStep) {
    try (TString t = TString.scalarOf(name);
        TInt64 s = TInt64.scalarOf(globalStep)) {
      session.runner().feed(tag, t).feed(values, tensor).feed(step, s).addTarget(writeHistogram).run();
    }
  }

  public void flush() {
    session.runner().addTarget(flush).run();
  }

  @Override
  public void close() {
    try {
      // two runs: ops of one run are unordered, and a close before the flush loses the resource
      session.runner().addTarget(flush).run();
      session.runner().addTarget(closeWriter).run();
    } finally {
      session.close();
      graph.close();
    }
  }
}
