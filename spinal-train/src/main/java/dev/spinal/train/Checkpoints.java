package dev.spinal.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.spinal.savedmodel.TemporaryFolders;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.Session;
import org.tensorflow.exceptions.TensorFlowException;

/**
 * Checkpoints of a run under {@code RUN/checkpoints/}: {@code epoch-0001/}, {@code epoch-0002/}, ...
 * (the last K kept) and {@code best/}, each holding the graph's variables ({@code variables.index} and
 * {@code variables.data-*}, via {@link Session#save}) and {@code state.json}. A checkpoint is written into a
 * temporary folder and renamed into place, so a crash never leaves a half-written one under a checkpoint's name;
 * the temporaries a stopped process left are removed by the next save or resume ({@link #cleanUp}).
 *
 * <p>A damaged checkpoint (a file missing, truncated or corrupt) fails {@link #restore} with a
 * {@link CheckpointException} naming the file; {@link #restoreNewest} passes over it to the previous checkpoint
 * (then {@code best/}), and fails only when none is usable.
 */
public final class Checkpoints {

  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  /** Reads what {@link #JSON} writes (run configs, states). */
  public static final com.fasterxml.jackson.databind.ObjectReader JSON_READER = JSON.reader();
  private static final Logger log = LoggerFactory.getLogger(Checkpoints.class);
  private static final String PREFIX = "epoch-";
  /** A checkpoint being written: {@code .tmp-<pid>-<random>/}. */
  private static final String TEMPORARY = "tmp";
  /** A checkpoint being replaced, moved aside until its replacement is in place: {@code .old-<pid>-<random>/NAME/}. */
  private static final String REPLACED = "old";
  private static final Pattern SHARD = Pattern.compile("variables\\.data-(\\d{5})-of-(\\d{5})");

  private final Path dir;
  private final int keep;
  private boolean cleaned;

  public Checkpoints(Path runDir, int keep) {
    this.dir = runDir.resolve("checkpoints");
    this.keep = keep;
  }

  public Path dir() {
    return dir;
  }

  /** Saves the session's variables and {@code state} as the checkpoint of its epoch (and as best). */
  public Path save(Session session, RunState state, boolean best) {
    try {
      Files.createDirectories(dir);
      if (!cleaned) {
        cleanUp();
      }
      Path target = dir.resolve(String.format("%s%04d", PREFIX, state.epochsDone()));
      Path written = writeAtomically(session, state, target);
      if (best) {
        writeAtomically(session, state, dir.resolve("best"));
      }
      prune();
      return written;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write checkpoint in " + dir + ": " + e.getMessage(), e);
    }
  }

  private Path writeAtomically(Session session, RunState state, Path target) throws IOException {
    Path tmp = TemporaryFolders.create(dir, TEMPORARY);
    try {
      session.save(tmp.resolve("variables").toString());
      JSON.writeValue(tmp.resolve("state.json").toFile(), state);
      if (Files.exists(target)) {
        // Replace: move the old one aside first so a crash leaves either the old or the new (cleanUp puts the old
        // one back if the process stopped between the two renames).
        Path old = TemporaryFolders.create(dir, REPLACED);
        Path aside = old.resolve(target.getFileName().toString());
        Files.move(target, aside, StandardCopyOption.ATOMIC_MOVE);
        try {
          Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
          Files.move(aside, target, StandardCopyOption.ATOMIC_MOVE);
          throw e;
        }
        TemporaryFolders.deleteTree(old);
      } else {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      }
      return target;
    } finally {
      TemporaryFolders.deleteTree(tmp); // gone after the rename; removes a half-written one after a failure
    }
  }

  /**
   * Repairs what a process stopped in the middle of a save left (Ctrl-C, a kill, a crash, a full disk): a checkpoint
   * moved aside to be replaced, whose replacement never arrived, is put back under its name; temporaries are
   * deleted. Those of a process still running are left alone. Returns what was done, one line each (also logged).
   */
  public List<String> cleanUp() throws IOException {
    cleaned = true;
    List<String> done = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return done;
    }
    List<Path> replaced;
    try (Stream<Path> s = Files.list(dir)) {
      replaced = s.filter(p -> TemporaryFolders.isStale(p, REPLACED)).toList();
    }
    for (Path old : replaced) {
      try (Stream<Path> s = Files.list(old)) {
        for (Path aside : s.toList()) {
          Path target = dir.resolve(aside.getFileName().toString());
          if (!Files.exists(target)) {
            Files.move(aside, target, StandardCopyOption.ATOMIC_MOVE);
            done.add("put back " + target + ", whose replacement was interrupted");
          }
        }
      }
      TemporaryFolders.deleteTree(old);
    }
    for (Path stale : TemporaryFolders.removeStale(dir, TEMPORARY)) {
      done.add("removed " + stale + ", left by an interrupted save");
    }
    done.forEach(log::info);
    return done;
  }

  private void prune() throws IOException {
    List<Path> epochs = epochCheckpoints();
    for (int i = 0; i < epochs.size() - keep; i++) {
      TemporaryFolders.deleteTree(epochs.get(i));
    }
  }

  /** Per-epoch checkpoints, oldest first. */
  public List<Path> epochCheckpoints() throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().startsWith(PREFIX))
          .sorted(Comparator.comparing(Path::toString))
          .toList();
    }
  }

  /** The newest per-epoch checkpoint, if any (whether it is usable or not: see {@link #restoreNewest}). */
  public Optional<Path> latest() {
    try {
      List<Path> all = epochCheckpoints();
      return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public Path best() {
    return dir.resolve("best");
  }

  /** The checkpoints a resume may continue from, best first: per-epoch ones newest first, then {@code best/}. */
  public List<Path> candidates() {
    try {
      List<Path> out = new ArrayList<>(epochCheckpoints());
      Collections.reverse(out);
      if (Files.exists(best())) {
        out.add(best());
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
    }
  }

  /** What {@link #restoreNewest} restored, and the damaged checkpoints it passed over on the way (newest first). */
  public record Restored(Path checkpoint, RunState state, List<Damaged> passedOver) {}

  /** A checkpoint passed over, and what is wrong with it (the exception names the file). */
  public record Damaged(Path checkpoint, CheckpointException problem) {}

  /**
   * Restores the newest usable checkpoint ({@link #candidates()} in order) into {@code session}: a damaged one is
   * logged and passed over, and so on back to {@code best/}.
   *
   * @throws CheckpointException when there is no checkpoint, or every one is damaged (the message lists why each
   *     is); the session then holds no checkpoint's weights and must not be trained from
   */
  public Restored restoreNewest(Session session) {
    List<Path> candidates = candidates();
    if (candidates.isEmpty()) {
      throw new CheckpointException(dir, "no checkpoint to resume from");
    }
    List<Damaged> damaged = new ArrayList<>();
    for (Path c : candidates) {
      try {
        return new Restored(c, restore(session, c), List.copyOf(damaged));
      } catch (CheckpointException e) {
        log.warn("passing over the damaged checkpoint {}: {}", c.getFileName(), e.getMessage());
        damaged.add(new Damaged(c, e));
      }
    }
    throw noneUsable(damaged.stream().map(Damaged::problem).toList());
  }

  /**
   * Fails, before any graph is built, when no checkpoint passes the checks that need no session ({@link #check}):
   * a run whose every checkpoint is damaged is refused at once, not after its data and features are loaded.
   *
   * @throws CheckpointException as {@link #restoreNewest}
   */
  public void requireUsable() {
    List<Path> candidates = candidates();
    if (candidates.isEmpty()) {
      throw new CheckpointException(dir, "no checkpoint to resume from");
    }
    List<CheckpointException> damaged = new ArrayList<>();
    for (Path c : candidates) {
      try {
        check(c);
        return;
      } catch (CheckpointException e) {
        damaged.add(e);
      }
    }
    throw noneUsable(damaged);
  }

  private CheckpointException noneUsable(List<CheckpointException> damaged) {
    return new CheckpointException(dir, "no usable checkpoint to resume from, every one is damaged: "
        + damaged.stream().map(Throwable::getMessage).collect(Collectors.joining("; "))
        + ". The run cannot continue: start it again in a new folder, or put back the checkpoints from a copy");
  }

  /**
   * Checks a checkpoint without restoring it: {@code state.json} reads as a run state that agrees with itself and
   * with the folder's name, {@code variables.index} is there and not empty, and so is every
   * {@code variables.data-*} shard it names. Truncated or corrupt variables are found by {@link #restore} (TensorFlow
   * checks each tensor's checksum as it reads it).
   *
   * @return the checkpoint's run state
   * @throws CheckpointException naming the file that is missing or damaged
   */
  public static RunState check(Path checkpoint) {
    if (!Files.isDirectory(checkpoint)) {
      throw new CheckpointException(checkpoint, "not a checkpoint folder (expected state.json and variables.*)");
    }
    Path stateFile = checkpoint.resolve("state.json");
    if (!Files.isRegularFile(stateFile)) {
      throw new CheckpointException(stateFile, "missing (every checkpoint has one beside its variables)");
    }
    RunState state;
    try {
      state = JSON.readValue(stateFile.toFile(), RunState.class);
    } catch (IOException e) {
      String why = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.toString();
      throw new CheckpointException(stateFile, "not a readable run state (" + why + ")", e);
    }
    if (state == null) {
      throw new CheckpointException(stateFile, "empty (expected the run state written with the checkpoint)");
    }
    String inconsistent = inconsistency(state, checkpoint.getFileName().toString());
    if (inconsistent != null) {
      throw new CheckpointException(stateFile, "not a consistent run state: " + inconsistent);
    }
    Path index = checkpoint.resolve("variables.index");
    try {
      if (!Files.isRegularFile(index) || Files.size(index) == 0) {
        throw new CheckpointException(index, (Files.exists(index) ? "empty" : "missing")
            + ": the variables cannot be read without it");
      }
      List<String> shards;
      try (Stream<Path> s = Files.list(checkpoint)) {
        shards = s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("variables.data-")).sorted()
            .toList();
      }
      if (shards.isEmpty()) {
        throw new CheckpointException(checkpoint.resolve("variables.data-00000-of-00001"), "missing: the"
            + " checkpoint's weights are in it");
      }
      Matcher m = SHARD.matcher(shards.get(0));
      int count = m.matches() ? Integer.parseInt(m.group(2)) : 1;
      for (int k = 0; k < count; k++) {
        Path shard = checkpoint.resolve(String.format("variables.data-%05d-of-%05d", k, count));
        if (!Files.isRegularFile(shard)) {
          throw new CheckpointException(shard, "missing: the checkpoint's weights are in " + count + " files");
        }
      }
    } catch (IOException e) {
      throw new CheckpointException(checkpoint, "cannot read: " + e, e);
    }
    return state;
  }

  /** What in {@code state} cannot have been written by the trainer, or null. */
  private static String inconsistency(RunState s, String folder) {
    if (s.epochsDone() < 0 || s.batchesDone() < 0 || s.step() < 0) {
      return "negative epochs, batches or step (" + s.epochsDone() + ", " + s.batchesDone() + ", " + s.step() + ")";
    }
    if (s.history() == null || s.history().size() != s.epochsDone()) {
      return "epochsDone is " + s.epochsDone() + " but the history holds "
          + (s.history() == null ? "no list" : s.history().size() + " epochs");
    }
    if (!Double.isFinite(s.learningRate()) || s.learningRate() < 0) {
      return "learning rate " + s.learningRate();
    }
    if (s.bestEpoch() < 0 || s.bestEpoch() > s.epochsDone()) {
      return "best epoch " + s.bestEpoch() + " of " + s.epochsDone() + " epochs done";
    }
    if (folder.startsWith(PREFIX) && !folder.equals(String.format("%s%04d", PREFIX, s.epochsDone()))) {
      return "it says " + s.epochsDone() + " epochs done, but it is the checkpoint " + folder;
    }
    return null;
  }

  /**
   * Restores a checkpoint's variables into {@code session} and returns its state.
   *
   * @throws CheckpointException naming the file that is missing, truncated or corrupt; the session's variables may
   *     then be partly overwritten (restore another checkpoint, or rebuild)
   */
  public static RunState restore(Session session, Path checkpoint) {
    RunState state = check(checkpoint);
    try {
      session.restore(checkpoint.resolve("variables").toString());
    } catch (TensorFlowException e) {
      String message = String.valueOf(e.getMessage()).lines().findFirst().orElse("").strip();
      throw new CheckpointException(damagedFile(checkpoint, message), "cannot be restored (truncated or corrupt): "
          + message, e);
    }
    return state;
  }

  /** The variables file TensorFlow's message is about: the index if it names it, else the data shard(s). */
  private static Path damagedFile(Path checkpoint, String message) {
    if (message.contains("variables.index") || message.contains(".index")) {
      return checkpoint.resolve("variables.index");
    }
    try (Stream<Path> s = Files.list(checkpoint)) {
      List<Path> shards = s.filter(p -> p.getFileName().toString().startsWith("variables.data-")).sorted().toList();
      return shards.size() == 1 ? shards.get(0) : checkpoint;
    } catch (IOException e) {
      return checkpoint;
    }
  }
}
