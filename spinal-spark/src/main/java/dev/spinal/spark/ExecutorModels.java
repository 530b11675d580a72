package dev.spinal.spark;

import dev.spinal.savedmodel.ExportedModel;
import dev.spinal.savedmodel.SavedModelBackbone;
import dev.spinal.train.batches.FeatureExtractor;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.SparkEnv;

/**
 * The models an executor JVM loads, once each ({@link JvmCache}): exported classifiers and frozen
 * backbones' feature extractors. A model that cannot be loaded fails the task with a message naming
 * the folder and the executor, which Spark reports as the job's failure.
 */
final class ExecutorModels {

  private ExecutorModels() {}

  /** The export at {@code dir} (a version folder, or a base folder's highest version). */
  static JvmCache.Lease<ExportedModel> classifier(String dir, TfThreads threads) {
    return JvmCache.acquire("model " + dir, () -> {
      try {
        return ExportedModel.load(Path.of(dir), threads.sessionConfig());
      } catch (Exception e) {
        throw unavailable("model", dir, e);
      }
    });
  }

  /** A feature extractor of the backbone at {@code dir}, for images of {@code h x w x c}. */
  static JvmCache.Lease<FeatureExtractor> features(String dir, int h, int w, int c, TfThreads threads) {
    return JvmCache.acquire("backbone " + dir + " for " + h + "x" + w + "x" + c, () -> {
      try {
        SavedModelBackbone backbone = SavedModelBackbone.load(Path.of(dir), h, w, c, false);
        return new FeatureExtractor(backbone, threads.sessionConfig());
      } catch (Exception e) {
        throw unavailable("backbone", dir, e);
      }
    });
  }

  private static ModelUnavailableException unavailable(String what, String dir, Exception e) {
    SparkEnv env = SparkEnv.get();
    String where = env == null ? "this JVM" : "executor " + env.executorId() + " ("
        + env.blockManager().blockManagerId().host() + ")";
    String hint = Files.exists(Path.of(dir)) ? "" : " Every executor reads the " + what + " from its own file"
        + " system: put it on a path all of them see (a shared file system), or ship it with spark-submit"
        + " --archives " + what + ".zip#" + what + " and give the relative path " + what + "/.";
    return new ModelUnavailableException("cannot load the " + what + " " + dir + " on " + where + ": "
        + e.getMessage() + "." + hint, e);
  }

  /** The model folder is missing or unreadable on an executor. */
  static final class ModelUnavailableException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    ModelUnavailableException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
