package dev.spinal.train.readme;

import static dev.spinal.testing.SpinalAssertions.assertThat;

import dev.spinal.core.backbones.Vgg5Backbone;
import dev.spinal.core.check.GradientCheck;
import dev.spinal.core.heads.HeadSpec;
import dev.spinal.core.heads.ProgressiveSpinalHead;
import dev.spinal.core.model.Model;
import dev.spinal.datasets.Batch;
import dev.spinal.datasets.BatchStream;
import dev.spinal.datasets.DataOptions;
import dev.spinal.datasets.DatasetId;
import dev.spinal.datasets.DatasetSplits;
import dev.spinal.datasets.Datasets;
import dev.spinal.datasets.Normalization;
import dev.spinal.savedmodel.ExportedModel;
import dev.spinal.train.Optimizer;
import dev.spinal.train.TrainResult;
import dev.spinal.train.Trainer;
import dev.spinal.train.callbacks.Checkpointing;
import dev.spinal.train.callbacks.EpochLog;
import dev.spinal.train.callbacks.ExportBest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.ndarray.Shape;

/**
 * The README's "The API in 20 lines", run as written: the code between the markers below must be the
 * README's Java block, line for line (checked), so the two cannot drift apart.
 */
class ReadmeExampleTest {

  @Test
  void readmeExampleRunsAndIsTheReadmesCode(@TempDir Path dir) throws Exception {
    Path runDir = dir.resolve("run");
    Path exportBase = dir.resolve("export");
    long[] classes;
    TrainResult result;
    GradientCheck.Report check;
    // --- README example begins
    // a model: VGG-5 on 28x28 gray images + a ProgressiveSpinal head, normalized like Fashion-MNIST
    Vgg5Backbone backbone = new Vgg5Backbone(28, 28, 1);
    HeadSpec spec = HeadSpec.builder().inputSize(backbone.featureSize()).width(64).depth(4).classes(10).build();
    Normalization norm = DatasetId.FASHION_MNIST.paperNormalization();
    Model model = Model.builder().backbone(backbone).head(new ProgressiveSpinalHead(spec))
        .normalization(norm.mean(), norm.std()).build();

    // gradient-check a small copy of the head: symbolic vs finite differences, float64
    HeadSpec small = spec.toBuilder().inputSize(6).width(3).dropout(0).build();
    check = GradientCheck.float64((ctx, in) -> new ProgressiveSpinalHead(small).build(ctx, in.get(0)).logits())
        .input("features", Shape.of(4, 6))
        .run();

    // train briefly on (a part of) Fashion-MNIST; export the best epoch for TF Serving
    DatasetSplits data = Datasets.load("fashion-mnist", DataOptions.builder().limit(2000).build());
    Checkpointing checkpoints = new Checkpointing(runDir, 1);
    result = Trainer.builder()
        .optimizer(Optimizer.adam(0.001))
        .epochs(1).batchSize(64).seed(1)
        .callbacks(new EpochLog(System.out), checkpoints, new ExportBest(checkpoints, exportBase))
        .build()
        .fit(model, data);

    // load the export (as TF Serving would) and predict 8 test images
    try (ExportedModel exported = ExportedModel.load(result.exportDir());
        BatchStream test = BatchStream.builder(data.test().first(8)).batchSize(8).normalize(Normalization.UNIT).build();
        Batch batch = test.next()) {
      classes = exported.classify(batch.images());
      System.out.println(exported.classNames().get((int) classes[0]));
    }
    // --- README example ends
    assertThat(check).allRelativeErrorsBelow(1e-6);
    assertThat(result.history()).hasSize(1);
    assertThat(result.testAccuracy()).as("one short epoch on 1,800 images").isGreaterThan(0.5);
    assertThat(result.exportDir()).isEqualTo(exportBase.resolve("1"));
    assertThat(java.util.Arrays.stream(classes).boxed().toList()).hasSize(8).allMatch(c -> c >= 0 && c < 10);
    assertThat(readmeBlock()).isEqualTo(thisExample());
  }

  private static List<String> readmeBlock() throws Exception {
    List<String> lines = Files.readAllLines(Path.of("..", "README.md"));
    int heading = lines.indexOf("## The API in 20 lines");
    assertThat(heading).as("README heading").isNotNegative();
    int start = lines.subList(heading, lines.size()).indexOf("```java") + heading + 1;
    int end = lines.subList(start, lines.size()).indexOf("```") + start;
    return lines.subList(start, end).stream().map(String::strip).toList();
  }

  private static List<String> thisExample() throws Exception {
    List<String> lines = Files.readAllLines(
        Path.of("src/test/java/dev/spinal/train/readme/ReadmeExampleTest.java"));
    int start = lines.indexOf("    // --- README example begins") + 1;
    int end = lines.indexOf("    // --- README example ends");
    return lines.subList(start, end).stream().map(String::strip).toList();
  }
}
