package dev.spinal.train.ablation;

import dev.spinal.core.model.Model;
import dev.spinal.savedmodel.TemporaryFolders;
import dev.spinal.train.EpochMetrics;
import dev.spinal.train.FitContext;
import dev.spinal.train.callbacks.Callback;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;

/**
 * Records, for one run of an ablation, what must be equal across the heads of a seed for the comparison to
 * be paired, as the trainer really saw it: the backbone's initial weights in the training graph (before the
 * first step) and every batch of the first epoch as fed (indices, labels, augmented pixels); plus the
 * model's size and the wall time of each invocation. Written to {@link RunRecord#FILE} in the run folder.
 */
final class PairingProbe implements Callback {

  private final Path file;
  private final String head;
  private final long seed;
  private RunRecord previous;
  private MessageDigest batches;
  private int batchCount;
  private String backboneSha;
  private long startedNanos;
  private Model model;
  private boolean epoch1Done;

  PairingProbe(Path runDir, String head, long seed) {
    this.file = runDir.resolve(RunRecord.FILE);
    this.head = head;
    this.seed = seed;
  }

  @Override
  public void onTrainBegin(FitContext fit) {
    startedNanos = System.nanoTime();
    model = fit.model();
    previous = read(file);
    boolean fresh = fit.state().step() == 0;
    if (fresh) {
      backboneSha = backboneSha(fit);
      batches = sha256();
      previous = null; // a fresh start replaces whatever an earlier, unfinished start recorded
    } else if (previous != null) {
      backboneSha = previous.backboneInitSha256();
    }
    write(false);
  }

  @Override
  public void onBatchEnd(FitContext fit, BatchEnd batch) {
    if (batches == null || batch.epoch() != 0) {
      return;
    }
    update(batches, batch.data().indices());
    update(batches, batch.data().labels());
    update(batches, batch.data().images());
    batchCount++;
  }

  @Override
  public void onEpochEnd(FitContext fit, EpochMetrics metrics, boolean improved) {
    if (metrics.epoch() == 1 && batches != null) {
      epoch1Done = true;
      write(false);
    }
  }

  @Override
  public void close() {
    if (model != null) {
      write(true);
    }
  }

  private void write(boolean addTime) {
    double before = previous == null ? 0 : previous.wallSeconds();
    int invocations = previous == null ? 1 : previous.invocations() + 1;
    String epochSha = epoch1Done ? HexFormat.of().formatHex(((MessageDigest) clone(batches)).digest())
        : previous == null ? null : previous.epoch1BatchesSha256();
    int epochBatches = epoch1Done ? batchCount : previous == null ? 0 : previous.epoch1Batches();
    double seconds = before + (addTime ? (System.nanoTime() - startedNanos) / 1e9 : 0);
    RunRecord r = new RunRecord(head, seed, model.head().parameterCount(), model.head().flopsPerExample(),
        model.backbone().parameterCount(), model.backbone().flopsPerExample(), backboneSha, epochSha, epochBatches,
        seconds, invocations);
    try {
      Path tmp = TemporaryFolders.createFile(file.toAbsolutePath().getParent(), ".ablation-run-", ".json");
      Ablation.JSON.writeValue(tmp.toFile(), r);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  static RunRecord read(Path file) {
    if (!Files.isRegularFile(file)) {
      return null;
    }
    try {
      return Ablation.JSON.readValue(file.toFile(), RunRecord.class);
    } catch (IOException e) {
      return null; // written atomically: an unreadable one is not ours; start its record afresh
    }
  }

  /** SHA-256 of the backbone's variables as the session holds them now, or "none" when it has none. */
  private static String backboneSha(FitContext fit) {
    var vars = fit.graph().backboneVariables();
    if (vars.isEmpty()) {
      return "none";
    }
    MessageDigest sha = sha256();
    Session.Runner runner = fit.session().runner();
    vars.forEach(runner::fetch);
    try (Result r = runner.run()) {
      for (int i = 0; i < r.size(); i++) {
        update(sha, r.get(i));
        sha.update(vars.get(i).op().name().getBytes(java.nio.charset.StandardCharsets.UTF_8));
      }
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  private static void update(MessageDigest sha, Tensor t) {
    var data = t.asRawTensor().data();
    byte[] bytes = new byte[(int) data.size()];
    data.read(bytes);
    sha.update(bytes);
  }

  private static void update(MessageDigest sha, int[] values) {
    ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    b.asIntBuffer().put(values);
    sha.update(b.array());
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }

  private static Object clone(MessageDigest d) {
    try {
      return d.clone();
    } catch (CloneNotSupportedException e) {
      throw new IllegalStateException("SHA-256 digest cannot be copied", e);
    }
  }
}
