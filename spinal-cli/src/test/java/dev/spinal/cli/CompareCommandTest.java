package dev.spinal.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spinal.datasets.DatasetSplits;
import dev.spinal.savedmodel.ExportedModel;
import dev.spinal.train.ExportedModelEvaluation;
import dev.spinal.train.Runs;
import dev.spinal.train.TestTimeAugmentation;
import dev.spinal.train.plots.Plots;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code spinal train --ema} beside the same run without it, then {@code spinal compare}: the weight average leaves
 * the training steps alone, is what evaluation and the export read, and the comparison prints the runs' own results.
 */
class CompareCommandTest {

  private static CliTest.Run train(Path out, String... more) {
    List<String> args = new ArrayList<>(List.of("train", "--dataset", "fashion-mnist", "--limit", "1000",
        "--backbone", "flatten", "--width", "16", "--depth", "2", "--batch-norm", "--epochs", "2", "--batch", "50",
        "--optimizer", "sgd", "--lr", "0.1", "--no-progress", "--out", out.toString()));
    args.addAll(List.of(more));
    return CliTest.run(args.toArray(String[]::new));
  }

  @Test
  void aWeightAverageChangesWhatIsEvaluatedAndExportedNotTheStepsAndCompareShowsBoth(@TempDir Path dir)
      throws Exception {
    Path plain = dir.resolve("plain");
    Path averaged = dir.resolve("averaged");
    Path export = dir.resolve("export");
    CliTest.Run a = train(plain);
    assertThat(a.exit()).as(a.err()).isZero();
    CliTest.Run b = train(averaged, "--ema", "0.9", "--export", export.toString());
    assertThat(b.exit()).as(b.err()).isZero();
    ObjectMapper json = new ObjectMapper();
    JsonNode plainResult = json.readTree(plain.resolve("result.json").toFile());
    JsonNode averagedResult = json.readTree(averaged.resolve("result.json").toFile());
    for (int e = 0; e < 2; e++) {
      JsonNode p = plainResult.path("history").get(e);
      JsonNode q = averagedResult.path("history").get(e);
      assertThat(q.path("trainLoss").asDouble()).as("epoch %s: the same steps", e + 1)
          .isEqualTo(p.path("trainLoss").asDouble());
      assertThat(q.path("validationLoss").asDouble()).as("epoch %s: other weights evaluated", e + 1)
          .isNotEqualTo(p.path("validationLoss").asDouble());
    }

    DatasetSplits data = Runs.loadData("fashion-mnist", null, 1000, 1);
    try (ExportedModel model = ExportedModel.load(export)) {
      assertThat(ExportedModelEvaluation.evaluate(model, data.test(), TestTimeAugmentation.NONE, 500).accuracy())
          .as("the export holds the averaged weights the run was tested with")
          .isEqualTo(averagedResult.path("testAccuracy").asDouble());
    }

    Path png = dir.resolve("compare.png");
    CliTest.Run compare = CliTest.run("compare", plain.toString(), averaged.toString(), "--names",
        "current weights,weight average", "--plot", png.toString());
    assertThat(compare.exit()).as(compare.err()).isZero();
    assertThat(compare.out()).contains(row("current weights", plainResult), row("weight average", averagedResult),
        "| weightAverage | 0.0 | 0.9 |", "wrote " + png);
    BufferedImage chart = ImageIO.read(png.toFile());
    assertThat(chart.getWidth()).isEqualTo(Plots.CURVES_WIDTH);
    assertThat(chart.getHeight()).isEqualTo(Plots.CURVES_HEIGHT);

    CliTest.Run unfinished = CliTest.run("compare", plain.toString(), dir.toString());
    assertThat(unfinished.exit()).isEqualTo(1);
    assertThat(unfinished.err()).contains(dir + " is not a run folder (it has no config.json)");
    CliTest.Run names = CliTest.run("compare", plain.toString(), averaged.toString(), "--names", "one");
    assertThat(names.err()).contains("1 names for 2 runs: give one name per run");
  }

  private static String row(String name, JsonNode result) {
    return String.format(Locale.ROOT, "| %s | 2 | %d | %.2f %% | %.2f %% | %.2f %% |", name,
        result.path("bestEpoch").asInt(), 100 * result.path("validationAccuracy").asDouble(),
        100 * result.path("testAccuracy").asDouble(), 100 * result.path("paperProtocolTestAccuracy").asDouble());
  }
}
