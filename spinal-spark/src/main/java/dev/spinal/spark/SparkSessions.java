package dev.spinal.spark;

import org.apache.spark.sql.SparkSession;

/** Spark sessions Spinal starts itself (the command line, its tests): local, quiet, no web UI. */
public final class SparkSessions {

  private SparkSessions() {}

  /**
   * A session on {@code local[threads]}: executors are threads of this JVM, so one model per JVM is one
   * model in all. No web UI, few shuffle partitions (Spinal's jobs shuffle only to count), the driver on
   * the loopback address.
   */
  public static SparkSession local(int threads, String appName) {
    return builder("local[" + threads + "]", appName).getOrCreate();
  }

  /**
   * A session builder for {@code master} with the settings of {@link #local}; with a null master, the
   * one {@code spark-submit} sets.
   */
  public static SparkSession.Builder builder(String master, String appName) {
    SparkSession.Builder b = SparkSession.builder().appName(appName)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4");
    if (master != null) {
      b.master(master);
      if (master.startsWith("local")) {
        b.config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1");
      }
    }
    return b;
  }
}
