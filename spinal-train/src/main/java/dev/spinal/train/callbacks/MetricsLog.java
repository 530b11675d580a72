package dev.spinal.train.callbacks;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spinal.savedmodel.TemporaryFolders;
import dev.spinal.train.EpochMetrics;
import dev.spinal.train.FitContext;
import dev.spinal.train.RunState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Appends every epoch's {@link EpochMetrics} as one JSON line to a file ({@code metrics.jsonl}). A resumed fit first
 * rewrites the file to the restored checkpoint's history, so that epochs trained again (after a stop between an
 * epoch's line and its checkpoint, or after a damaged checkpoint was passed over) are not listed twice.
 */
public final class MetricsLog implements Callback {

  private static final ObjectMapper JSON = new ObjectMapper();
  private final Path file;

  public MetricsLog(Path file) {
    this.file = file;
  }

  @Override
  public void onTrainBegin(FitContext fit) {
    RunState state = fit.state();
    if (state.step() == 0 && state.epochsDone() == 0) {
      return; // a fresh fit appends to what is there
    }
    StringBuilder lines = new StringBuilder();
    try {
      for (EpochMetrics m : state.history()) {
        lines.append(JSON.writeValueAsString(m)).append('\n');
      }
      Files.createDirectories(file.toAbsolutePath().getParent());
      Path tmp = TemporaryFolders.createFile(file.toAbsolutePath().getParent(), ".metrics-", ".jsonl");
      Files.writeString(tmp, lines);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot rewrite " + file + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void onEpochEnd(FitContext fit, EpochMetrics m, boolean improved) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.writeString(file, JSON.writeValueAsString(m) + "\n", StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot append to " + file + ": " + e.getMessage(), e);
    }
  }
}
