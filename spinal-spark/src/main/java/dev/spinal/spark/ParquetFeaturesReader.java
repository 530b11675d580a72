package dev.spinal.spark;

import dev.spinal.train.batches.FeatureSplits;
import dev.spinal.train.batches.FeatureSplitsReader;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;

/**
 * The trainer's reader of {@link ParquetFeatures} folders on the local file system (found through
 * {@link java.util.ServiceLoader}: {@code spinal train --features DIR}, a run's {@code --resume}). It
 * uses the JVM's active Spark session, or starts a local one for the read and stops it after.
 */
public final class ParquetFeaturesReader implements FeatureSplitsReader {

  @Override
  public boolean canRead(Path dir) {
    return Files.isRegularFile(dir.resolve(ParquetFeatures.INFO_FILE));
  }

  @Override
  public FeatureSplits read(Path dir) {
    scala.Option<SparkSession> active = SparkSession.getActiveSession();
    if (active.isDefined()) {
      return ParquetFeatures.read(active.get(), dir.toAbsolutePath().toString());
    }
    SparkSession spark = SparkSessions.local(Runtime.getRuntime().availableProcessors(), "spinal-read-features");
    try {
      return ParquetFeatures.read(spark, dir.toAbsolutePath().toString());
    } finally {
      spark.stop();
    }
  }
}
