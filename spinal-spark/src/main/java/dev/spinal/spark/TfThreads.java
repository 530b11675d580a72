package dev.spinal.spark;

import static com.google.common.base.Preconditions.checkArgument;

import java.io.Serializable;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.tensorflow.proto.ConfigProto;

/**
 * TensorFlow's thread pools for the one model an executor JVM loads and its concurrent tasks share.
 * A TensorFlow session has one intra-op pool (the threads inside one kernel, e.g. a MatMul) and one
 * inter-op pool (independent ops, and the threads that drive concurrent {@code Session.run} calls),
 * both shared by every call on the session. An executor with {@code C} cores runs {@code C /
 * spark.task.cpus} tasks at once, each calling the model on its own batches, so by default:
 *
 * <ul>
 *   <li>intra-op threads = {@code C}: all calls together use at most the executor's cores;
 *   <li>inter-op threads = {@code C / spark.task.cpus}: one per concurrent task.
 * </ul>
 *
 * <p>{@code C} is {@code spark.executor.cores} when set, the {@code N} of a {@code local[N]} master,
 * else the cores the JVM sees. Explicit values ({@link #of}) override it.
 *
 * <p>TensorFlow keeps one intra-op pool per process, sized by the first session created in it, unless
 * the environment variable {@code TF_OVERRIDE_GLOBAL_THREADPOOL=1} gives every session its own (measured
 * here: a session configured for 1 thread after a default one kept 1.85 of 2 cores busy; with the
 * variable, 1.00). On an executor the model's session is the first, so these counts hold; a JVM that
 * ran TensorFlow before (a driver in local mode that trained, a test) needs the variable for them.
 *
 * @param intraOp threads per kernel, 0: resolve on the executor as above
 * @param interOp threads for independent ops and concurrent calls, 0: resolve on the executor
 */
public record TfThreads(int intraOp, int interOp) implements Serializable {

  private static final Pattern LOCAL = Pattern.compile("local(?:-cluster)?\\[(\\*|\\d+)(?:,\\s*\\d+)?]");

  public TfThreads {
    checkArgument(intraOp >= 0, "TfThreads.intraOp must be >= 0 (0: from the executor's cores), got %s", intraOp);
    checkArgument(interOp >= 0, "TfThreads.interOp must be >= 0 (0: from the executor's cores), got %s", interOp);
  }

  /** Resolved on each executor from its cores and {@code spark.task.cpus} (the default). */
  public static TfThreads fromExecutor() {
    return new TfThreads(0, 0);
  }

  /** Fixed thread counts on every executor. */
  public static TfThreads of(int intraOp, int interOp) {
    checkArgument(intraOp >= 1 && interOp >= 1, "TfThreads.of needs >= 1 thread each, got %s and %s", intraOp,
        interOp);
    return new TfThreads(intraOp, interOp);
  }

  /** The thread counts for this JVM: the fixed ones, or those of its Spark conf (see the class comment). */
  public TfThreads resolved() {
    if (intraOp > 0 && interOp > 0) {
      return this;
    }
    SparkEnv env = SparkEnv.get();
    SparkConf conf = env == null ? null : env.conf();
    int taskCpus = TaskContext.get() != null ? TaskContext.get().cpus()
        : conf == null ? 1 : conf.getInt("spark.task.cpus", 1);
    return resolved(conf, taskCpus, Runtime.getRuntime().availableProcessors());
  }

  /** The thread counts on an executor with {@code conf}, tasks of {@code taskCpus} cores, {@code available} cores. */
  TfThreads resolved(SparkConf conf, int taskCpus, int available) {
    int cores = executorCores(conf, available);
    int intra = intraOp > 0 ? intraOp : cores;
    int inter = interOp > 0 ? interOp : Math.max(1, cores / Math.max(1, taskCpus));
    return new TfThreads(intra, inter);
  }

  /** The cores of this executor: {@code spark.executor.cores}, a local master's N, else {@code available}. */
  static int executorCores(SparkConf conf, int available) {
    if (conf == null) {
      return available;
    }
    if (conf.contains("spark.executor.cores")) {
      return Math.max(1, conf.getInt("spark.executor.cores", available));
    }
    Matcher m = LOCAL.matcher(conf.get("spark.master", "").toLowerCase(Locale.ROOT).trim());
    if (m.matches()) {
      return m.group(1).equals("*") ? available : Math.max(1, Integer.parseInt(m.group(1)));
    }
    return conf.get("spark.master", "").trim().equalsIgnoreCase("local") ? 1 : available;
  }

  /** A session config with these (resolved) pools. */
  public ConfigProto sessionConfig() {
    TfThreads r = resolved();
    return ConfigProto.newBuilder()
        .setIntraOpParallelismThreads(r.intraOp())
        .setInterOpParallelismThreads(r.interOp())
        .build();
  }
}
