package dev.spinal.train;

import dev.spinal.datasets.io.NpzWriter;
import dev.spinal.savedmodel.ExportedModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;
import org.tensorflow.Result;
import org.tensorflow.Tensor;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * What the Java tests leave in {@code target/python-check/} for run-tests' Python check
 * ({@code saved-models/check_java_exports.py}): per export, {@code NAME/model/} (a copy of the version
 * folder), {@code input.npz} ({@code images}) and {@code expected.npz} (Java's {@code logits},
 * {@code probabilities} and {@code classes} for them), which Python TensorFlow must reproduce.
 */
public final class PythonCheck {

  public static final Path DIR = Path.of("target", "python-check").toAbsolutePath();

  private PythonCheck() {}

  /** Writes {@code model} and its serving outputs for {@code images} under {@code DIR/name}. */
  public static void write(String name, ExportedModel model, TFloat32 images) throws Exception {
    Path out = DIR.resolve(name);
    deleteTree(out);
    copyTree(model.dir(), out.resolve("model"));
    try (Result r = model.bundle().function("serving_default").call(Map.of("images", (Tensor) images))) {
      TFloat32 logits = (TFloat32) r.get("logits").orElseThrow();
      TFloat32 probabilities = (TFloat32) r.get("probabilities").orElseThrow();
      TInt64 classes = (TInt64) r.get("classes").orElseThrow();
      try (NpzWriter input = NpzWriter.create(out.resolve("input.npz"))) {
        input.putFloats("images", images.shape().asArray(), read(images));
      }
      long[] c = new long[(int) classes.shape().size()];
      classes.asRawTensor().data().asLongs().read(c);
      try (NpzWriter expected = NpzWriter.create(out.resolve("expected.npz"))) {
        expected.putFloats("logits", logits.shape().asArray(), read(logits));
        expected.putFloats("probabilities", probabilities.shape().asArray(), read(probabilities));
        expected.putLongs("classes", classes.shape().asArray(), c);
      }
    }
  }

  private static float[] read(TFloat32 t) {
    float[] v = new float[(int) t.shape().size()];
    t.asRawTensor().data().asFloats().read(v);
    return v;
  }

  private static void copyTree(Path from, Path to) throws Exception {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : s.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }

  private static void deleteTree(Path root) throws Exception {
    if (Files.exists(root)) {
      try (Stream<Path> s = Files.walk(root)) {
        for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
  }
}
