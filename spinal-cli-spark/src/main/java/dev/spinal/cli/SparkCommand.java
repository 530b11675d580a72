package dev.spinal.cli;

import dev.spinal.spark.SparkSessions;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code spinal spark}: batch inference and feature extraction on Apache Spark, and their scaling benchmark. */
@Command(name = "spark", description = {
    "Batch inference and feature extraction on Apache Spark (local, or a cluster through spark-submit).",
    "Every executor loads the model once and shares it between its tasks."},
    subcommands = {SparkPredictCommand.class, SparkFeaturesCommand.class, SparkBenchCommand.class})
final class SparkCommand {

  /**
   * What a failed Spark job reports on the driver, reduced to its reason: the exception a task threw (a
   * missing model folder, naming it and the executor) rather than Spark's "Job aborted due to stage
   * failure: Task 0 in stage 1.0 failed 4 times, most recent failure: ..." around it.
   */
  static Exception reason(Exception e) {
    for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if ((c instanceof IllegalStateException || c instanceof IllegalArgumentException)
          && c.getClass().getName().startsWith("dev.spinal.")) {
        return (Exception) c;
      }
      // a failed write job reports the task's exception in its message only
      String m = c.getMessage();
      int at = m == null ? -1 : m.indexOf(TASK_FAILURE);
      if (at >= 0) {
        String reason = m.substring(at + TASK_FAILURE.length());
        int end = reason.indexOf('\n');
        return new IllegalStateException(end < 0 ? reason : reason.substring(0, end), e);
      }
    }
    return e;
  }

  /** How a task's failure to load a model appears in Spark's job failure message. */
  private static final String TASK_FAILURE = "ModelUnavailableException: ";

  /** The options every spark subcommand takes: where it runs. */
  static final class Cluster {
    @Option(names = "--master", paramLabel = "URL", description = "Spark master: local[N] (N threads of this JVM),"
        + " spark://HOST:7077, yarn, k8s://... Default: the one spark-submit sets, else local[*].")
    String master;

    @Option(names = "--conf", paramLabel = "KEY=VALUE", description = "A Spark setting (repeatable), e.g."
        + " spark.executor.memoryOverhead=2g.")
    List<String> conf = new ArrayList<>();

    /** The session: the given master, else spark-submit's, else local[*]. */
    SparkSession session(String appName) {
      String m = master;
      if (m == null && System.getProperty("spark.master") == null) {
        m = "local[*]";
      }
      SparkSession.Builder b = SparkSessions.builder(m, appName);
      for (String kv : conf) {
        int eq = kv.indexOf('=');
        if (eq <= 0) {
          throw new IllegalArgumentException("--conf expects KEY=VALUE, got '" + kv + "'");
        }
        b.config(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
      }
      return b.getOrCreate();
    }
  }
}
