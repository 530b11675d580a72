package dev.spinal.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.tensorflow.Session;

/**
 * Checkpoints of a run under {@code RUN/checkpoints/}: {@code epoch-0001/}, {@code epoch-0002/}, ...
 * (the last K kept) and {@code best/}, each holding the graph's variables ({@code variables.*}, via
 * {@link Session#save}) and {@code state.json}. A checkpoint is written into a temporary folder and
 * renamed into place, so a crash never leaves a half-written one under a checkpoint's name.
 */
public final class Checkpoints {

  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  /** Reads what {@link #JSON} writes (run configs, states). */
  public static final com.fasterxml.jackson.databind.ObjectReader JSON_READER = JSON.reader();
  private static final String PREFIX = "epoch-";

  private final Path dir;
  private final int keep;

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
    Path tmp = Files.createTempDirectory(dir, ".tmp-");
    session.save(tmp.resolve("variables").toString());
    JSON.writeValue(tmp.resolve("state.json").toFile(), state);
    if (Files.exists(target)) {
      // Replace: move the old one aside first so a crash leaves either the old or the new.
      Path old = Files.createTempDirectory(dir, ".old-");
      Files.move(target, old.resolve("c"), StandardCopyOption.ATOMIC_MOVE);
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      deleteTree(old);
    } else {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    }
    return target;
  }

  private void prune() throws IOException {
    List<Path> epochs = epochCheckpoints();
    for (int i = 0; i < epochs.size() - keep; i++) {
      deleteTree(epochs.get(i));
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

  /** The newest per-epoch checkpoint, if any. */
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

  /** Restores a checkpoint's variables into {@code session} and returns its state. */
  public static RunState restore(Session session, Path checkpoint) {
    Path state = checkpoint.resolve("state.json");
    if (!Files.isRegularFile(state) || !Files.isRegularFile(checkpoint.resolve("variables.index"))) {
      throw new IllegalArgumentException(
          "not a checkpoint: " + checkpoint + " (expected state.json and variables.index)");
    }
    session.restore(checkpoint.resolve("variables").toString());
    try {
      return JSON.readValue(state.toFile(), RunState.class);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + state + ": " + e.getMessage(), e);
    }
  }

  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
