package dev.spinal.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spinal.datasets.DatasetSplits;
import dev.spinal.savedmodel.ExportedModel;
import dev.spinal.train.ExportedModelEvaluation;
import dev.spinal.train.Runs;
import dev.spinal.train.TestTimeAugmentation;
import dev.spinal.train.Trainer;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code spinal train --tta flip --export} then {@code spinal eval}, with and without {@code --tta}: the run records
 * the setting, and eval prints what the library computes, which for the flip views is the run's own test accuracy.
 */
class EvalCommandTest {

  @Test
  void evalPrintsTheAccuracyWithAndWithoutTheFlipViews(@TempDir Path dir) throws Exception {
    Path run = dir.resolve("run");
    Path export = dir.resolve("export");
    CliTest.Run train = CliTest.run("train", "--dataset", "fashion-mnist", "--limit", "1000", "--backbone", "flatten",
        "--width", "16", "--depth", "2", "--epochs", "1", "--batch", "50", "--tta", "flip", "--no-progress",
        "--out", run.toString(), "--export", export.toString());
    assertThat(train.exit()).as(train.err()).isZero();
    ObjectMapper json = new ObjectMapper();
    assertThat(json.readTree(run.resolve("config.json").toFile()).path("testTimeAugmentation").asText())
        .isEqualTo("flip");
    JsonNode result = json.readTree(run.resolve("result.json").toFile());

    DatasetSplits data = Runs.loadData("fashion-mnist", null, 1000, 1);
    Trainer.Evaluation plain;
    Trainer.Evaluation flip;
    try (ExportedModel model = ExportedModel.load(export)) {
      plain = ExportedModelEvaluation.evaluate(model, data.test(), TestTimeAugmentation.NONE, 500);
      flip = ExportedModelEvaluation.evaluate(model, data.test(), TestTimeAugmentation.FLIP, 500);
    }
    assertThat(flip.accuracy()).as("the run's test accuracy was read with the flip views")
        .isEqualTo(result.path("testAccuracy").asDouble());

    int n = data.test().size();
    String version = export.resolve("1").toString();
    CliTest.Run alone = CliTest.run("eval", "--model", export.toString(), "--dataset", "fashion-mnist", "--limit",
        "1000");
    assertThat(alone.exit()).as(alone.err()).isZero();
    assertThat(alone.out().strip()).isEqualTo(String.format(Locale.ROOT,
        "fashion-mnist test: %d / %d correct, accuracy %.2f%%, loss %.4f (%s)", Math.round(plain.accuracy() * n), n,
        100 * plain.accuracy(), plain.loss(), version));
    CliTest.Run views = CliTest.run("eval", "--model", export.toString(), "--dataset", "fashion-mnist", "--limit",
        "1000", "--tta", "flip");
    assertThat(views.exit()).as(views.err()).isZero();
    assertThat(views.out().strip()).isEqualTo(String.format(Locale.ROOT,
        "fashion-mnist test: %d / %d correct, accuracy %.2f%%, loss %.4f, test-time augmentation flip (%s)",
        Math.round(flip.accuracy() * n), n, 100 * flip.accuracy(), flip.loss(), version));
  }
}
