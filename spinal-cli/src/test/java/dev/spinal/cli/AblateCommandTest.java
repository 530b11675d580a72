package dev.spinal.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spinal.train.TensorBoardEvents;
import dev.spinal.train.plots.Plots;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.Event;

/**
 * {@code spinal ablate}, {@code spinal grad-flow --plot} and {@code spinal train --grad-norms-every} from the
 * command line: the options reach the library (the training settings are train's), and the files appear.
 */
class AblateCommandTest {

  @Test
  void helpDocumentsTheAblation() {
    CliTest.Run r = CliTest.run("ablate", "--help");
    assertThat(r.exit()).isZero();
    String text = r.out().replaceAll("\\s+", " ");
    assertThat(text).contains("Usage: spinal ablate", "--heads=HEAD[,HEAD...]", "--seeds=SEED[,SEED...]",
        "Default: progressive,spinal,dense", "Default: 1,2,3", "--out=DIR", "Paired", "paired t test",
        "Student t quantile for n-1 degrees of freedom", "paper's protocol", "Resumable", "--recipe", "--epochs",
        "--grad-norms-every", "Recipes (--recipe NAME", "--report-only");
    // the training settings are train's, with their built-in defaults; the per-run head and seed are not
    assertThat(text).contains("Default: recipe's, else 64.").doesNotContain("--head=", "--seed=");
  }

  /** The options reach the ablation (the resuming and the report's numbers are AblationTest's). */
  @Test
  void aSmallAblationFromTheCommandLine(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("ablation");
    CliTest.Run r = CliTest.run("ablate", "--dataset", "fashion-mnist", "--limit", "300", "--backbone", "flatten",
        "--width", "8", "--depth", "2", "--epochs", "1", "--batch", "32", "--heads", "progressive,dense",
        "--seeds", "3", "--grad-norms-every", "3", "--out", out.toString());
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("| progressive |", "| dense |", "(reference)", "report: " + out.resolve("ablation.md"));
    for (String run : new String[] {"progressive-seed3", "dense-seed3"}) {
      assertThat(out.resolve("runs").resolve(run).resolve("result.json")).exists();
      assertThat(out.resolve("runs").resolve(run).resolve("config.json")).content().contains("\"width\" : 8",
          "\"seed\" : 3");
    }
    assertThat(tags(out.resolve("runs/dense-seed3/tensorboard"))).contains("gradient_norm/01_dense_head/layer1");
    assertThat(ImageIO.read(out.resolve("accuracy.png").toFile()).getWidth()).isEqualTo(Plots.ACCURACY_WIDTH);

    // the report again, now with a seed that has not run: nothing trains, the report names what is missing
    CliTest.Run report = CliTest.run("ablate", "--dataset", "fashion-mnist", "--limit", "300", "--backbone",
        "flatten", "--width", "8", "--depth", "2", "--epochs", "1", "--batch", "32", "--heads", "progressive,dense",
        "--seeds", "3,4", "--report-only", "--out", out.toString());
    assertThat(report.exit()).as(report.err()).isZero();
    assertThat(report.out()).contains("| progressive |", "report: " + out.resolve("ablation.md"));
    assertThat(out.resolve("runs/progressive-seed4")).doesNotExist();
    assertThat(out.resolve("ablation.md")).content().contains("Not finished yet: `progressive-seed4`, `dense-seed4`");
    CliTest.Run nothing = CliTest.run("ablate", "--dataset", "fashion-mnist", "--report-only", "--out",
        dir.resolve("none").toString());
    assertThat(nothing.exit()).isEqualTo(1);
    assertThat(nothing.err()).contains("holds no finished run of this ablation");
  }

  @Test
  void seedAndHeadAreUsageErrorsSuggestingSeedsAndHeads(@TempDir Path dir) {
    CliTest.Run r = CliTest.run("ablate", "--dataset", "fashion-mnist", "--seed", "3", "--out", dir.toString());
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("Unknown option", "'--seed'", "Possible solutions: --seeds");
    CliTest.Run h = CliTest.run("ablate", "--dataset", "fashion-mnist", "--head", "dense", "--out", dir.toString());
    assertThat(h.exit()).isEqualTo(2);
    assertThat(h.err()).contains("Unknown option", "'--head'", "Possible solutions: --heads");
    CliTest.Run f = CliTest.run("ablate", "--features", dir.toString(), "--out", dir.toString());
    assertThat(f.exit()).isEqualTo(2);
    assertThat(f.err()).contains("Unknown option", "'--features'");
  }

  @Test
  void aWrongHeadIsAUsageError(@TempDir Path dir) {
    CliTest.Run r = CliTest.run("ablate", "--dataset", "fashion-mnist", "--heads", "progressive,wide", "--out",
        dir.toString());
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("'--heads'", "unknown head 'wide'");
  }

  @Test
  void gradFlowPlotsTheThreeHeadsWithSigmoidAndRelu(@TempDir Path dir) throws Exception {
    Path png = dir.resolve("flow.png");
    CliTest.Run r = CliTest.run("gradflow", "--depth", "4", "--width", "8", "--activation", "relu", "--plot",
        png.toString());
    assertThat(r.exit()).as(r.err()).isZero();
    BufferedImage image = ImageIO.read(png.toFile());
    assertThat(image.getWidth()).isEqualTo(Plots.FLOW_WIDTH);
    assertThat(image.getHeight()).isEqualTo(Plots.FLOW_HEIGHT);
    Set<Integer> colours = new HashSet<>();
    for (int y = 0; y < image.getHeight(); y += 2) {
      for (int x = 0; x < image.getWidth(); x += 2) {
        colours.add(image.getRGB(x, y) & 0xffffff);
      }
    }
    assertThat(colours.size()).isGreaterThan(20);
  }

  @Test
  void trainLogsGradientNormsAndHistograms(@TempDir Path dir) throws Exception {
    Path run = dir.resolve("run");
    CliTest.Run r = CliTest.run("train", "--dataset", "fashion-mnist", "--limit", "300", "--backbone", "flatten",
        "--width", "8", "--depth", "2", "--epochs", "1", "--batch", "32", "--no-progress", "--grad-norms-every", "2",
        "--histograms-every", "4", "--out", run.toString());
    assertThat(r.exit()).as(r.err()).isZero();
    Set<String> tags = tags(run.resolve("tensorboard"));
    assertThat(tags).contains("gradient_norm/01_progressive_spinal_head/layer1",
        "gradient_norm/03_progressive_spinal_head/output", "gradients/01_progressive_spinal_head/layer1",
        "weights/03_progressive_spinal_head/output", "train/loss");
    BufferedImage curves = ImageIO.read(run.resolve("curves.png").toFile());
    assertThat(curves.getWidth()).isEqualTo(Plots.CURVES_WIDTH);
    assertThat(curves.getHeight()).isEqualTo(Plots.CURVES_HEIGHT);
    CliTest.Run off = CliTest.run("train", "--dataset", "fashion-mnist", "--limit", "300", "--backbone", "flatten",
        "--width", "8", "--depth", "2", "--epochs", "1", "--batch", "32", "--no-progress", "--grad-norms-every", "0",
        "--histograms-every", "0", "--out", dir.resolve("off").toString());
    assertThat(off.exit()).as(off.err()).isZero();
    assertThat(tags(dir.resolve("off/tensorboard"))).contains("train/loss")
        .noneMatch(t -> t.startsWith("gradient"));
  }

  /** The tags of the event files in {@code logDir}. */
  static Set<String> tags(Path logDir) throws Exception {
    Set<String> tags = new HashSet<>();
    for (Event e : TensorBoardEvents.events(logDir)) {
      e.getSummary().getValueList().forEach(v -> tags.add(v.getTag()));
    }
    return tags;
  }
}
