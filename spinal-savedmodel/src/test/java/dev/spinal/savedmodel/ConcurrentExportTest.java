package dev.spinal.savedmodel;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spinal.core.GraphContext;
import dev.spinal.core.model.ModelGraph;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exports into one {@code BASE} at the same time (two trainings exporting where TF Serving watches): each lands as a
 * version of its own, named in its {@code spinal.json}; none fails, none overwrites another.
 */
class ConcurrentExportTest {

  static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void exportsStartedTogetherEachGetTheirOwnVersion(@TempDir Path base) throws Exception {
    int writers = 3;
    int rounds = 3;
    CyclicBarrier together = new CyclicBarrier(writers);
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    List<Future<List<Path>>> done = new ArrayList<>();
    try {
      for (int w = 0; w < writers; w++) {
        String writer = "writer " + w;
        done.add(pool.submit(() -> {
          List<Path> mine = new ArrayList<>();
          try (ModelGraph graph = ModelGraph.build(ExportedModelTest.model(), GraphContext.Mode.INFERENCE, 5, null)) {
            for (int r = 0; r < rounds; r++) {
              together.await(); // all pick the same next version, then race to rename into it
              mine.add(ModelExporter.export(graph, base, List.of("a", "b", "c"), Map.of("by", writer)));
            }
          }
          return mine;
        }));
      }
      List<Path> all = new ArrayList<>();
      for (Future<List<Path>> f : done) {
        all.addAll(f.get());
      }
      assertThat(all).doesNotHaveDuplicates().hasSize(writers * rounds);
    } finally {
      pool.shutdownNow();
    }
    try (Stream<Path> s = Files.list(base)) {
      assertThat(s.map(p -> p.getFileName().toString()).sorted().toList()).as("versions 1..9, no temporary left")
          .containsExactlyInAnyOrder("1", "2", "3", "4", "5", "6", "7", "8", "9");
    }
    for (int v = 1; v <= writers * rounds; v++) {
      assertThat(JSON.readTree(base.resolve(v + "/assets.extra/spinal.json").toFile()).get("version").asLong())
          .as("version %d's spinal.json", v).isEqualTo(v);
      try (ExportedModel model = ExportedModel.load(base.resolve(Integer.toString(v)))) {
        assertThat(model.classNames()).containsExactly("a", "b", "c");
      }
    }
  }

  /** The version picked at the start was taken meanwhile (by another process): the export moves on to a free one. */
  @Test
  void aVersionTakenWhileWritingPassesToTheNextFreeOne(@TempDir Path base) throws Exception {
    for (String taken : List.of("1", "2", "3")) {
      Files.createDirectories(base.resolve(taken).resolve("variables"));
    }
    Path tmp = Files.createDirectories(base.resolve(".tmp-export-1-1/assets.extra"));
    List<Long> stamped = new ArrayList<>();
    Path landed = ModelExporter.moveToFreeVersion(tmp.getParent(), base, 2, stamped::add);
    assertThat(landed).isEqualTo(base.resolve("4"));
    assertThat(stamped).as("the version written into the export before each try").containsExactly(2L, 4L);
    assertThat(base.resolve("4/assets.extra")).isDirectory();
  }
}
