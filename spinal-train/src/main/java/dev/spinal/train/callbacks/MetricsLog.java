package dev.spinal.train.callbacks;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spinal.train.EpochMetrics;
import dev.spinal.train.FitContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Appends every epoch's {@link EpochMetrics} as one JSON line to a file ({@code metrics.jsonl}). */
public final class MetricsLog implements Callback {

  private static final ObjectMapper JSON = new ObjectMapper();
  private final Path file;

  public MetricsLog(Path file) {
    this.file = file;
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
