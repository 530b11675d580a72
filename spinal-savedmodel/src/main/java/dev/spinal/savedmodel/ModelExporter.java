package dev.spinal.savedmodel;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import dev.spinal.core.GraphContext;
import dev.spinal.core.model.ModelGraph;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;
import org.tensorflow.op.Op;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;

/**
 * Writes a trained model in TF Serving's layout: {@code BASE/<version>/} with {@code saved_model.pb},
 * {@code variables/}, tag {@code serve}, and a {@code serving_default} signature from {@code images}
 * (float32 {@code [-1, H, W, C]}, pixels scaled to [0, 1]) to {@code logits}, {@code probabilities}
 * and {@code classes}. The graph is an inference graph: no dropout, batch norm folded into the
 * convolutions, no optimizer ops. {@code assets.extra/classes.txt} holds the class names, one per line, in label order,
 * and {@code assets.extra/spinal.json} how the model was made.
 *
 * <p>A new export takes the next version number; an existing version is never overwritten, and exports into one
 * {@code BASE} at the same time (two trainings, two processes) each get their own version. The
 * export is written to a temporary folder in {@code BASE} ({@link TemporaryFolders}) and renamed into place, so an
 * export stopped half-way (an exception, Ctrl-C, a kill) leaves no version folder; the next export removes the
 * temporary a stopped process left.
 */
public final class ModelExporter {

  /** The signature key SavedModel loaders (C++, Python, TF Java) take the init op from. */
  static final String INIT_OP_SIGNATURE = "__saved_model_init_op";
  /** The kind of {@link TemporaryFolders} an export is written into: {@code BASE/.tmp-export-<pid>-<random>}. */
  public static final String TEMPORARY = "tmp-export";
  /** Versions tried before an export gives up: far more exports than ever finish at the same moment. */
  private static final int MAX_VERSION_ATTEMPTS = 100;
  private static final Logger log = LoggerFactory.getLogger(ModelExporter.class);

  private ModelExporter() {}

  /**
   * Exports {@code model}'s session with its current weights as the next version under {@code base};
   * returns its folder. Give it an inference graph ({@link GraphContext.Mode#INFERENCE}: no dropout,
   * batch norm on moving statistics, no training ops): what a trainer's {@code inference()} returns.
   *
   * @param classNames one per class, in label order (written to {@code assets.extra/classes.txt})
   * @param metadata how the model was made (written to {@code assets.extra/spinal.json})
   */
  public static Path export(ModelGraph model, Path base, List<String> classNames, Map<String, Object> metadata)
      throws IOException {
    Files.createDirectories(base);
    for (Path stale : TemporaryFolders.removeStale(base, TEMPORARY)) {
      log.info("removed {}, left by an export that was interrupted", stale);
    }
    long version = nextVersion(base);
    Path tmp = TemporaryFolders.create(base, TEMPORARY);
    Files.delete(tmp); // the exporter wants to create the folder itself
    try {
      Signature signature = Signature.builder()
          .key(Signature.DEFAULT_KEY)
          .methodName("tensorflow/serving/predict")
          .input(ModelGraph.IMAGES, model.images())
          .output("logits", model.classifier().logits())
          .output("probabilities", model.classifier().probabilities())
          .output("classes", model.classifier().classes())
          .build();
      SavedModelBundle.exporter(tmp.toString())
          .withTags(SavedModelBundle.DEFAULT_TAG)
          .withFunction(SessionFunction.create(signature, model.session()))
          .export();
      List<Op> inits = model.ctx().loaderInits();
      if (!inits.isEmpty()) {
        String name = inits.size() == 1 ? inits.get(0).op().name()
            : model.ctx().tf().withControlDependencies(inits).withName("spinal_loader_init").noOp().op().name();
        addInitOp(tmp.resolve("saved_model.pb"), name);
      }
      Path extra = Files.createDirectories(tmp.resolve("assets.extra"));
      Files.write(extra.resolve("classes.txt"), classNames, StandardCharsets.UTF_8);
      return moveToFreeVersion(tmp, base, version, v -> {
        Map<String, Object> meta = new LinkedHashMap<>(metadata);
        meta.put("version", v);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .writeValue(extra.resolve("spinal.json").toFile(), meta);
      });
    } finally {
      TemporaryFolders.deleteTree(tmp);
    }
  }

  /**
   * Names {@code opName} as the SavedModel's init op (the {@value #INIT_OP_SIGNATURE} signature, by op
   * name as TF's loaders expect it: C++, TF Serving and Python run it after restoring the variables).
   * TF Java's exporter writes none, and its signatures name tensors ({@code op:0}), which Python's
   * loader rejects for an init op.
   */
  static void addInitOp(Path savedModelPb, String opName) throws IOException {
    SavedModel model = SavedModel.parseFrom(Files.readAllBytes(savedModelPb));
    SavedModel.Builder b = model.toBuilder();
    for (MetaGraphDef.Builder meta : b.getMetaGraphsBuilderList()) {
      meta.putSignatureDef(INIT_OP_SIGNATURE, SignatureDef.newBuilder()
          .putOutputs(INIT_OP_SIGNATURE, TensorInfo.newBuilder().setName(opName).build())
          .build());
    }
    Path tmp = savedModelPb.resolveSibling(".saved_model.pb.tmp");
    Files.write(tmp, b.build().toByteArray());
    Files.move(tmp, savedModelPb, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** Writes what names the version into a finished export (its {@code spinal.json}). */
  @FunctionalInterface
  interface VersionStamp {
    void write(long version) throws IOException;
  }

  /**
   * Renames the finished export {@code tmp} to {@code base/version}, or, when another export took that version
   * while this one was written, to the next free one; {@code stamp} writes the version into the export before each
   * try. Returns the version folder.
   */
  static Path moveToFreeVersion(Path tmp, Path base, long version, VersionStamp stamp) throws IOException {
    for (int attempt = 1; ; attempt++) {
      stamp.write(version);
      Path target = base.resolve(Long.toString(version));
      try {
        // a directory's ATOMIC_MOVE (rename) fails when the target holds anything: no version is ever overwritten
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        return target;
      } catch (FileSystemException e) {
        // rename(2) says ENOTEMPTY, which Java reports as a plain FileSystemException: is the version there?
        if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
          throw e;
        }
        if (attempt == MAX_VERSION_ATTEMPTS) {
          throw new IOException("cannot find a free version in " + base + ": " + attempt + " were taken while this"
              + " export was written, the last " + target, e);
        }
        version = Math.max(version + 1, nextVersion(base));
      }
    }
  }

  /** 1 + the largest numeric folder name in {@code base} (1 when there is none). */
  public static long nextVersion(Path base) throws IOException {
    long max = 0;
    try (Stream<Path> s = Files.list(base)) {
      for (Path p : s.toList()) {
        String name = p.getFileName().toString();
        if (Files.isDirectory(p) && name.matches("\\d{1,18}")) {
          max = Math.max(max, Long.parseLong(name));
        }
      }
    }
    return max + 1;
  }
}
