package dev.spinal.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spinal.core.heads.HeadKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Training on real Fashion-MNIST (Debian's package), small subsets so each run takes seconds. */
class TrainerTest {

  static TrainConfig small(String backbone, int epochs) {
    return TrainConfig.builder()
        .dataset("fashion-mnist").limit(6000).backbone(backbone)
        .head(HeadKind.PROGRESSIVE).width(64).depth(3).dropout(0.2).batchNorm(false)
        .optimizer(OptimizerKind.ADAM).learningRate(0.001).momentum(0)
        .batchSize(64).epochs(epochs).schedule("constant").seed(7).augment(false).keepCheckpoints(2)
        .build();
  }

  @Test
  void smallSubsetReachesEightyPercentInSeconds(@TempDir Path dir) throws Exception {
    TrainResult result = Runs.start(small("flatten", 4), Runs.Options.of(dir.resolve("run")).withProgress(false));
    System.out.print(SummaryTable.render(result));
    assertThat(result.testAccuracy()).isGreaterThan(0.80);
    assertThat(result.history()).hasSize(4);
    List<String> lines = Files.readAllLines(dir.resolve("run/metrics.jsonl"));
    assertThat(lines).hasSize(4);
    assertThat(lines.get(0)).contains("\"epoch\":1", "\"validationAccuracy\"");
    assertThat(dir.resolve("run/checkpoints/best/variables.index")).exists();
    assertThat(dir.resolve("run/result.json")).exists();
  }
}
