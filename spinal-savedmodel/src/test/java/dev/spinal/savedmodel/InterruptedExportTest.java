package dev.spinal.savedmodel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spinal.core.GraphContext;
import dev.spinal.core.model.ModelGraph;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An export stopped half-way leaves no folder a later run (or TF Serving) takes for a version: an exception in the
 * middle of writing removes what was written; a process killed in the middle (Ctrl-C, where no {@code finally}
 * runs) leaves only a hidden temporary, which the next export removes once its process is gone.
 */
class InterruptedExportTest {

  /** A value whose serialization fails: the export's last file, spinal.json, cannot be written. */
  record FailsMidWrite() {
    public String getValue() {
      throw new IllegalStateException("stopped while writing spinal.json");
    }
  }

  static List<String> names(Path base) throws IOException {
    try (Stream<Path> s = Files.list(base)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void anExceptionMidWriteLeavesNoVersionAndNoTemporary(@TempDir Path base) throws Exception {
    try (ModelGraph graph = ModelGraph.build(ExportedModelTest.model(), GraphContext.Mode.INFERENCE, 5, null)) {
      assertThatThrownBy(() -> ModelExporter.export(graph, base, List.of("a", "b", "c"),
          Map.of("run", new FailsMidWrite()))).isInstanceOf(IOException.class)
          .hasRootCauseMessage("stopped while writing spinal.json");
      assertThat(names(base)).as("the SavedModel was written, then removed with its temporary folder").isEmpty();
      assertThat(ModelExporter.export(graph, base, List.of("a", "b", "c"), Map.of())).isEqualTo(base.resolve("1"));
    }
  }

  @Test
  void aTemporaryLeftByAKilledExportIsRemovedByTheNextOneAndNeverLoaded(@TempDir Path base) throws Exception {
    Process ended = new ProcessBuilder("true").start();
    ended.waitFor();
    // what `spinal export` leaves when Ctrl-C stops it inside TensorFlow's writer: half a SavedModel
    Path killed = Files.createDirectories(base.resolve(".tmp-export-" + ended.pid() + "-4242/variables"));
    Files.write(killed.resolveSibling("saved_model.pb"), new byte[] {0x08, 0x01});
    Path older = Files.createDirectories(base.resolve(".tmp-export-17")); // an older Spinal's name, no process id
    Path live = Files.createDirectories(base.resolve(".tmp-export-" + ProcessHandle.current().pid() + "-1"));
    assertThat(ModelExporter.nextVersion(base)).as("a temporary is not a version").isEqualTo(1);
    assertThatThrownBy(() -> ExportedModel.load(base)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no SavedModel at " + base);

    try (ModelGraph graph = ModelGraph.build(ExportedModelTest.model(), GraphContext.Mode.INFERENCE, 5, null)) {
      assertThat(ModelExporter.export(graph, base, List.of("a", "b", "c"), Map.of())).isEqualTo(base.resolve("1"));
    }
    assertThat(killed.getParent()).doesNotExist();
    assertThat(older).doesNotExist();
    assertThat(live).as("a running process's temporary is left alone").exists();
    try (ExportedModel model = ExportedModel.load(base)) {
      assertThat(model.dir()).isEqualTo(base.resolve("1"));
    }
  }
}
