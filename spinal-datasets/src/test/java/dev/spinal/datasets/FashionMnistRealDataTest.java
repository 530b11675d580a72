package dev.spinal.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.spinal.datasets.DatasetInfo.ChecksumStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real Fashion-MNIST, from Debian's {@code dataset-fashion-mnist} package ({@code .ci/run} installs it).
 * Skipped, not failed, on a machine without the package.
 */
class FashionMnistRealDataTest {
  static final Path DEBIAN = Path.of("/usr/share/datasets/fashion-mnist");
  static DatasetSplits data;

  @BeforeAll
  static void load(@TempDir Path emptyCache) {
    assumeTrue(Files.isDirectory(DEBIAN), "apt-get install dataset-fashion-mnist to run this test");
    // Empty cache and no downloads: the data must come from the system location.
    data = Datasets.load("fashion-mnist", DataOptions.builder().cacheDir(emptyCache).allowDownload(false)
        .validationFraction(0.1).seed(7).build());
  }

  @Test
  void foundInDebianLocationWithVerifiedPayloadChecksums() {
    assertThat(data.info().source()).isEqualTo("system");
    assertThat(data.info().root()).isEqualTo(DEBIAN);
    assertThat(data.info().files()).hasSize(4).allSatisfy(f -> {
      assertThat(f.status()).isEqualTo(ChecksumStatus.VERIFIED);
      assertThat(f.algorithm()).isEqualTo("SHA-256");
    });
    assertThat(data.info().files().get(0).digest())
        .isEqualTo("c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888");
  }

  @Test
  void countsAndShapes() {
    assertThat(data.train().size() + data.validation().size()).isEqualTo(60_000);
    assertThat(data.validation().size()).isEqualTo(6_000);
    assertThat(data.test().size()).isEqualTo(10_000);
    assertThat(data.train().shape()).containsExactly(54_000, 28, 28, 1);
    assertThat(data.train().classNames()).hasSize(10).startsWith("T-shirt/top").endsWith("Ankle boot");
  }

  @Test
  void sixThousandPerClassInThePublishedTrainingSet() {
    long[] train = data.train().countsPerClass();
    long[] val = data.validation().countsPerClass();
    for (int k = 0; k < 10; k++) {
      assertThat(train[k] + val[k]).as("class %s", k).isEqualTo(6_000);
      // Stratified: exactly 10% of each class.
      assertThat(val[k]).as("validation class %s", k).isEqualTo(600);
    }
    assertThat(data.test().countsPerClass()).containsOnly(1_000);
  }

  @Test
  void knownImagesPixelSums() {
    // Computed independently with Python's gzip module (no NumPy) on Debian's files:
    //   d = gzip.open('train-images-idx3-ubyte.gz').read(); sum(d[16:16+784]) -> 76247
    //   sum(d[16+59999*784:16+60000*784]) -> 16684; labels l[8] -> 9, l[-1] -> 5
    //   t = gzip.open('t10k-images-idx3-ubyte.gz').read(); sum(t[16:16+784]) -> 33456
    //   sum(d[16:]) -> 3431114169
    ImageDataset published = fullTrain();
    assertThat(published.pixelSum(0)).isEqualTo(76_247);
    assertThat(published.label(0)).isEqualTo(9);
    assertThat(published.pixelSum(59_999)).isEqualTo(16_684);
    assertThat(published.label(59_999)).isEqualTo(5);
    assertThat(data.test().pixelSum(0)).isEqualTo(33_456);
    long total = 0;
    for (int i = 0; i < published.size(); i++) {
      total += published.pixelSum(i);
    }
    assertThat(total).isEqualTo(3_431_114_169L);
  }

  @Test
  void validationIsDisjointFromTrainAndDeterministic(@TempDir Path cache) {
    DatasetSplits again = Datasets.load("fashion-mnist", DataOptions.builder().cacheDir(cache)
        .allowDownload(false).validationFraction(0.1).seed(7).build());
    assertThat(again.validation().labels()).isEqualTo(data.validation().labels());
    for (int i = 0; i < 50; i++) {
      assertThat(again.validation().image(i)).isEqualTo(data.validation().image(i));
    }
  }

  private static ImageDataset fullTrain() {
    return Datasets.load("fashion-mnist", DataOptions.builder().path(DEBIAN).validationSize(0).build()).train();
  }

  @Test
  void explicitPathAndInspectSummary() {
    DatasetInfo info = Datasets.inspect("fashion-mnist", DataOptions.builder().path(DEBIAN).build());
    assertThat(info.source()).isEqualTo("explicit");
    String s = info.summary();
    assertThat(s).contains("28x28x1", "train 54000, validation 6000, test 10000", "VERIFIED", "Ankle boot");
    assertThat(Arrays.stream(info.trainCounts()).sum()).isEqualTo(54_000);
    assertThat(List.of(info.classNames().get(0))).containsExactly("T-shirt/top");
  }
}
