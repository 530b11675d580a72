package dev.spinal.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.Event;

/** Event files written by TF's summary ops read back: values, steps, checksums, a file cut short. */
class TensorBoardEventsTest {

  @TempDir Path dir;

  Path writeScalars() throws IOException {
    try (TensorBoardWriter w = new TensorBoardWriter(dir)) {
      for (int step = 0; step < 5; step++) {
        w.scalar("a/loss", 1.0 / (step + 1), step * 10L);
        w.scalar("b/ratio", 0.25f * step, step * 10L);
      }
    }
    List<Path> files = TensorBoardEvents.eventFiles(dir);
    assertThat(files).hasSize(1);
    return files.get(0);
  }

  @Test
  void scalarsComeBackWithTheirTagsAndSteps() throws IOException {
    writeScalars();
    Map<String, NavigableMap<Long, Double>> s = TensorBoardEvents.scalars(dir);
    assertThat(s).containsOnlyKeys("a/loss", "b/ratio");
    assertThat(s.get("a/loss")).containsOnlyKeys(0L, 10L, 20L, 30L, 40L);
    for (int step = 0; step < 5; step++) {
      assertThat(s.get("a/loss").get(step * 10L)).isEqualTo((double) (float) (1.0 / (step + 1)));
      assertThat(s.get("b/ratio").get(step * 10L)).isEqualTo(0.25 * step);
    }
  }

  @Test
  void aFlippedByteIsRefusedNamingTheFileAndTheRecord() throws IOException {
    Path file = writeScalars();
    byte[] bytes = Files.readAllBytes(file);
    int events = TensorBoardEvents.read(file).size();
    bytes[bytes.length - 10] ^= 0x20; // inside the last record's payload
    Files.write(file, bytes);
    assertThatThrownBy(() -> TensorBoardEvents.read(file)).isInstanceOf(IOException.class)
        .hasMessageStartingWith(file + ": corrupt event record at byte ")
        .hasMessageEndingWith("(data checksum mismatch)");
    assertThat(events).isEqualTo(11); // the file's header event + 10 scalars
  }

  @Test
  void aFileCutShortGivesTheEventsBeforeTheCut() throws IOException {
    Path file = writeScalars();
    byte[] bytes = Files.readAllBytes(file);
    List<Event> all = TensorBoardEvents.read(file);
    Files.write(file, Arrays.copyOf(bytes, bytes.length - 3)); // a run killed while it wrote its last record
    List<Event> cut = TensorBoardEvents.read(file);
    assertThat(cut).hasSize(all.size() - 1).isEqualTo(all.subList(0, all.size() - 1));
  }

  @Test
  void aFolderWithoutEventFilesHasNoScalars() throws IOException {
    assertThat(TensorBoardEvents.scalars(dir.resolve("missing"))).isEmpty();
    assertThat(TensorBoardEvents.scalars(dir)).isEmpty();
  }
}
