package dev.spinal.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spinal.core.heads.HeadKind;
import dev.spinal.core.model.Model;
import dev.spinal.datasets.DatasetSplits;
import dev.spinal.datasets.ImageDataset;
import dev.spinal.savedmodel.ExportedModel;
import dev.spinal.train.OptimizerKind;
import dev.spinal.train.Runs;
import dev.spinal.train.TrainConfig;
import dev.spinal.train.TrainResult;
import dev.spinal.train.batches.FeatureCache;
import dev.spinal.train.batches.FeatureExtractor;
import dev.spinal.train.batches.FeatureSplits;
import dev.spinal.train.batches.FeatureSplitsReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Features of a frozen backbone computed on local[2], written as Parquet and read back as the trainer's
 * FeatureSplits: equal to the features a frozen-backbone training run computes in process, and a head
 * trains on them through the same run folder as `spinal train --features`.
 */
class FeatureExtractionTest {

  @TempDir static Path dir;
  static SparkSession spark;
  static TrainConfig config;
  static DatasetSplits data;
  static FeatureSplits read;
  static ParquetFeatures.Written written;

  @BeforeAll
  static void extract() {
    spark = SparkFixture.spark();
    config = TrainConfig.builder().dataset("fashion-mnist").limit(600).backbone(SparkFixture.CNN.toString())
        .head(HeadKind.PROGRESSIVE).width(32).depth(2).optimizer(OptimizerKind.ADAM).learningRate(0.002)
        .batchSize(32).epochs(2).seed(4).build();
    data = Runs.loadData(config);
    Dataset<Row> features = FeatureExtraction.builder(SparkFixture.CNN.toString(), 28, 28, 1)
        .encoding(ImageEncoding.UINT8).batchSize(100).build().apply(SparkImages.of(spark, data, 3));
    String out = dir.resolve("features").toString();
    written = ParquetFeatures.write(features, out, "id", new ParquetFeatures.Info("fashion-mnist",
        data.train().classNames(), SparkFixture.CNN.toString(), new int[] {28, 28, 1}));
    read = ParquetFeatures.read(spark, out);
  }

  @Test
  void parquetFeaturesEqualTheTrainersInProcessFeatures() {
    assertThat(written.rows()).containsExactlyInAnyOrderEntriesOf(Map.of("train", (long) data.train().size(),
        "validation", (long) data.validation().size(), "test", (long) data.test().size()));
    assertThat(written.errors()).isZero();
    assertThat(read.classNames()).isEqualTo(data.train().classNames());
    assertThat(read.imageShape().asArray()).containsExactly(28, 28, 1);
    Model model = Runs.model(config, data.train());
    try (FeatureExtractor inProcess = new FeatureExtractor(model, config.seed(), null)) {
      compare(inProcess.extract(data.train(), 256), read.train(), data.train());
      compare(inProcess.extract(data.validation(), 256), read.validation(), data.validation());
      compare(inProcess.extract(data.test(), 256), read.test(), data.test());
    }
  }

  private static void compare(FeatureCache expected, FeatureCache got, ImageDataset split) {
    assertThat(got.size()).isEqualTo(split.size());
    assertThat(got.dimension()).isEqualTo(128);
    assertThat(got.labels()).containsExactly(split.labels());
    // relative to each row's largest feature: TensorFlow's kernels round the last bits differently in batches of
    // other sizes (the executors' chunks are not the trainer's batches of 256), and conv layers carry that on
    double worst = 0;
    double worstAbsolute = 0;
    int d = expected.dimension();
    for (int row = 0; row < expected.size(); row++) {
      double scale = 0;
      for (int k = 0; k < d; k++) {
        scale = Math.max(scale, Math.abs(expected.features()[row * d + k]));
      }
      for (int k = 0; k < d; k++) {
        double diff = Math.abs(expected.features()[row * d + k] - got.features()[row * d + k]);
        worstAbsolute = Math.max(worstAbsolute, diff);
        worst = Math.max(worst, diff / Math.max(1e-30, scale));
      }
    }
    System.out.printf("features of %s: max |spark - in process| = %.3g, relative %.3g%n", split.name(), worstAbsolute,
        worst);
    assertThat(worst).isLessThanOrEqualTo(1e-6);
  }

  /** The path of `spinal train --features DIR`: the run reads the Parquet folder, trains, exports, resumes. */
  @Test
  void aRunOnTheParquetFeaturesTrainsResumesAndExports() throws Exception {
    Path featuresDir = dir.resolve("features");
    assertThat(FeatureSplitsReader.readAny(featuresDir).train().size()).isEqualTo(data.train().size());
    TrainConfig onFeatures = config.toBuilder().dataset(null).features(featuresDir.toString()).build();
    Path run = dir.resolve("run");
    Path export = dir.resolve("export");
    TrainResult fromParquet = Runs.start(onFeatures, Runs.Options.of(run).withProgress(false).withExport(export)
        .stoppingAfter(1));
    assertThat(fromParquet.stoppedEarly()).isTrue();
    TrainResult resumed = Runs.resume(Runs.Options.of(run).withProgress(false).withExport(export));
    assertThat(resumed.history()).hasSize(2);
    assertThat(run.resolve(Runs.FEATURES_FILE)).exists();

    // FeatureSplitsTrainingTest (spinal-train) shows handed-in features train exactly as the trainer's own
    assertThat(resumed.testAccuracy()).isGreaterThan(0.5);

    Path exported = Runs.exportFeaturesCheckpoint(onFeatures, run, run.resolve("checkpoints/best"),
        dir.resolve("export-again"), Map.of());
    try (ExportedModel m = ExportedModel.load(exported)) {
      assertThat(m.imageShape().asArray()).containsExactly(28, 28, 1);
      assertThat(m.classNames()).isEqualTo(data.train().classNames());
    }
    assertThat(resumed.exportDir()).isNotNull();
    assertThat(Files.readString(resumed.exportDir().resolve("assets.extra/spinal.json")))
        .contains("\"features\"", "\"train_rows\" : " + data.train().size());
  }

  @Test
  void badImagesAreKeptWithTheirErrorAndLeftOutOnRead() {
    List<Row> rows = new ArrayList<>();
    for (String split : List.of("train", "validation")) {
      for (int i = 0; i < 3; i++) {
        rows.add(RowFactory.create((long) i, i % 2, split, data.train().image(i)));
      }
    }
    rows.add(RowFactory.create(3L, 1, "train", new byte[10]));
    Dataset<Row> df = spark.createDataFrame(rows, SparkImages.SCHEMA).coalesce(1);
    String out = dir.resolve("with-bad-rows").toString();
    ParquetFeatures.Written w = ParquetFeatures.write(FeatureExtraction.builder(SparkFixture.CNN.toString(), 28,
        28, 1).encoding(ImageEncoding.UINT8).build().apply(df), out, "id",
        new ParquetFeatures.Info("tiny", List.of("a", "b"), SparkFixture.CNN.toString(), new int[] {28, 28, 1}));
    assertThat(w.errors()).isEqualTo(1);
    assertThat(w.rows()).containsEntry("train", 3L).containsEntry("validation", 3L);
    List<Row> bad = spark.read().parquet(out).where("error is not null").collectAsList();
    assertThat(bad).hasSize(1);
    assertThat(bad.get(0).getString(bad.get(0).fieldIndex("error")))
        .isEqualTo("the image has 10 values; the model takes 28x28x1 = 784");
    FeatureSplits splits = ParquetFeatures.read(spark, out);
    assertThat(splits.train().size()).isEqualTo(3);
    assertThat(splits.test()).isNull();
  }

  @Test
  void foldersThatAreNotFeaturesAreRefused() throws Exception {
    Path empty = Files.createDirectories(dir.resolve("empty"));
    assertThatThrownBy(() -> ParquetFeatures.read(spark, empty.toString()))
        .hasMessageContaining("holds no features: no _spinal-features.json");
    assertThatThrownBy(() -> FeatureSplitsReader.readAny(empty))
        .hasMessageContaining("none of the readers [ParquetFeaturesReader] recognises it");
    String trainOnly = dir.resolve("train-only").toString();
    ParquetFeatures.write(FeatureExtraction.builder(SparkFixture.CNN.toString(), 28, 28, 1)
        .encoding(ImageEncoding.UINT8).build().apply(SparkImages.of(spark, data.train().first(5), "train", 1)),
        trainOnly, "id", new ParquetFeatures.Info("t", data.train().classNames(), "cnn", new int[] {28, 28, 1}));
    assertThatThrownBy(() -> ParquetFeatures.read(spark, trainOnly))
        .hasMessageContaining("has no validation rows (splits found: [train])");
  }
}
