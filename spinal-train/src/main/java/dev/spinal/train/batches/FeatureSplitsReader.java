package dev.spinal.train.batches;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Reads {@link FeatureSplits} stored in some format, so that a run configured with a features folder
 * ({@code spinal train --features DIR}, {@code TrainConfig.features}) trains, and resumes, on them.
 * Readers are found with {@link ServiceLoader}: spinal-train itself reads none, so that a format's
 * dependencies (Parquet, Hadoop, Spark) stay out of it; {@code spinal-spark} reads the Parquet folders
 * its feature extraction writes.
 */
public interface FeatureSplitsReader {

  /** True when this reader recognises {@code dir} as features it can read. */
  boolean canRead(Path dir);

  /** The features in {@code dir}, with the named split's rows in their stored order. */
  FeatureSplits read(Path dir);

  /**
   * Reads {@code dir} with the first reader on the class path that recognises it.
   *
   * @throws IllegalArgumentException when {@code dir} does not exist, or no reader is on the class
   *     path, or none recognises it
   */
  static FeatureSplits readAny(Path dir) {
    if (!java.nio.file.Files.isDirectory(dir)) {
      throw new IllegalArgumentException("features folder " + dir.toAbsolutePath() + " does not exist");
    }
    List<String> readers = new ArrayList<>();
    for (FeatureSplitsReader reader : ServiceLoader.load(FeatureSplitsReader.class)) {
      if (reader.canRead(dir)) {
        return reader.read(dir);
      }
      readers.add(reader.getClass().getSimpleName());
    }
    if (readers.isEmpty()) {
      throw new IllegalArgumentException("cannot read the features in " + dir + ": no features reader is on the"
          + " class path. spinal-spark reads the Parquet folders that `spinal spark features` writes; ./spinal"
          + " adds it to `train --features`. A Java program adds dev.spinal:spinal-spark as a dependency.");
    }
    throw new IllegalArgumentException("cannot read the features in " + dir + ": none of the readers "
        + readers + " recognises it (a folder written by `spinal spark features` holds spinal-features.json)");
  }
}
