package dev.spinal.spark;

import static org.apache.spark.sql.functions.spark_partition_id;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spinal.datasets.ImageDataset;
import dev.spinal.savedmodel.ExportedModel;
import dev.spinal.train.Runs;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.SparkException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

/**
 * Batch inference on local[2] against the same export loaded in this process: every row, every
 * probability bit for bit; encoded PNG, uint8 and float columns alike; bad rows and a missing model.
 */
class BatchInferenceTest {

  @TempDir static Path dir;
  static SparkSession spark;
  static ImageDataset test;
  static Path model;

  @BeforeAll
  static void setUp() throws Exception {
    spark = SparkFixture.spark();
    test = Runs.loadData("fashion-mnist", null, 1000, 1).test();
    model = SparkFixture.exportClassifier(dir.resolve("model"), test);
  }

  /**
   * TensorFlow's kernels give results that depend on the batch in their last bits (measured here: up
   * to 19 ulp between batches of 1 and of 64), so the single-process reference runs the same batches
   * as the executors did: each partition's rows, in order, in chunks of the batch size.
   */
  @Test
  void everyRowEqualsTheSingleProcessModelExactly() throws Exception {
    int batch = 64;
    Dataset<Row> images = SparkImages.of(spark, test, "test", 4);
    List<Row> rows = BatchInference.builder(model.toString()).batchSize(batch).encoding(ImageEncoding.UINT8).build()
        .apply(images).withColumn("partition", spark_partition_id()).collectAsList();
    assertThat(rows).hasSize(test.size());
    Map<Integer, List<Row>> partitions = new TreeMap<>();
    for (Row r : rows) {
      partitions.computeIfAbsent(r.getInt(5), p -> new ArrayList<>()).add(r);
    }
    assertThat(partitions).hasSize(4);
    long[] seen = new long[test.size()];
    try (ExportedModel single = ExportedModel.load(model)) {
      for (List<Row> part : partitions.values()) {
        for (int from = 0; from < part.size(); from += batch) {
          List<Row> chunk = part.subList(from, Math.min(part.size(), from + batch));
          float[] x = new float[chunk.size() * 784];
          for (int k = 0; k < chunk.size(); k++) {
            System.arraycopy(SparkFixture.unit(test, (int) chunk.get(k).getLong(0)), 0, x, k * 784, 784);
          }
          ExportedModel.Prediction p;
          try (TFloat32 t = TFloat32.tensorOf(Shape.of(chunk.size(), 28, 28, 1), DataBuffers.of(x, true, false))) {
            p = single.predict(t);
          }
          for (int k = 0; k < chunk.size(); k++) {
            Row r = chunk.get(k);
            int id = (int) r.getLong(0);
            seen[id]++;
            assertThat(r.isNullAt(4)).as("row %s: %s", id, r.get(4)).isTrue();
            assertThat(r.getInt(1)).as("class of row %s", id).isEqualTo((int) p.classes()[k]);
            assertThat(r.getString(2)).isEqualTo(test.classNames().get((int) p.classes()[k]));
            float[] expected = Arrays.copyOfRange(p.probabilities(), k * 10, k * 10 + 10);
            assertThat(floats(r.getList(3))).as("probabilities of row %s", id).containsExactly(expected);
          }
        }
      }
    }
    assertThat(seen).containsOnly(1L);
  }

  /** The same images as PNG files' bytes, uint8 arrays and float arrays: the same predictions. */
  @Test
  void encodedUint8AndFloatColumnsPredictAlike() throws Exception {
    int n = 40;
    StructType schema = new StructType().add("id", DataTypes.LongType).add("png", DataTypes.BinaryType)
        .add("bytes", DataTypes.createArrayType(DataTypes.IntegerType))
        .add("unit", DataTypes.createArrayType(DataTypes.FloatType));
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      byte[] b = test.image(i);
      Integer[] ints = new Integer[b.length];
      Float[] unit = new Float[b.length];
      float[] u = SparkFixture.unit(test, i);
      for (int k = 0; k < b.length; k++) {
        ints[k] = b[k] & 0xff;
        unit[k] = u[k];
      }
      rows.add(RowFactory.create((long) i, SparkFixture.png(test, i), Arrays.asList(ints), Arrays.asList(unit)));
    }
    Dataset<Row> df = spark.createDataFrame(rows, schema).coalesce(1);
    List<List<Row>> results = new ArrayList<>();
    for (String column : List.of("png", "bytes", "unit")) {
      results.add(BatchInference.builder(model.toString()).imageColumn(column).batchSize(n).build().apply(df)
          .orderBy("id").collectAsList());
    }
    float[] x = new float[n * 784];
    for (int i = 0; i < n; i++) {
      System.arraycopy(SparkFixture.unit(test, i), 0, x, i * 784, 784);
    }
    ExportedModel.Prediction p;
    try (ExportedModel single = ExportedModel.load(model);
        TFloat32 t = TFloat32.tensorOf(Shape.of(n, 28, 28, 1), DataBuffers.of(x, true, false))) {
      p = single.predict(t);
    }
    for (List<Row> result : results) {
      for (int i = 0; i < n; i++) {
        assertThat(result.get(i).isNullAt(4)).as("%s", result.get(i).get(4)).isTrue();
        assertThat(result.get(i).getInt(1)).isEqualTo((int) p.classes()[i]);
        assertThat(floats(result.get(i).getList(3)))
            .containsExactly(Arrays.copyOfRange(p.probabilities(), i * 10, i * 10 + 10));
      }
    }
  }

  /** Undecodable bytes, a wrong-size array and a null image: an error each; the other rows are predicted. */
  @Test
  void badRowsGetTheirErrorAndTheJobGoesOn() throws Exception {
    StructType schema = new StructType().add("id", DataTypes.StringType).add("image", DataTypes.BinaryType);
    byte[] png = SparkFixture.png(test, 0);
    byte[] truncated = Arrays.copyOf(png, 30);
    List<Row> rows = List.of(RowFactory.create("good-0", png), RowFactory.create("text", "not an image".getBytes()),
        RowFactory.create("truncated", truncated), RowFactory.create("null", null),
        RowFactory.create("good-1", SparkFixture.png(test, 1)));
    List<Row> out = BatchInference.builder(model.toString()).build()
        .apply(spark.createDataFrame(rows, schema).coalesce(1)).collectAsList();
    assertThat(out).extracting(r -> r.getString(0)).containsExactly("good-0", "text", "truncated", "null", "good-1");
    assertThat(out.get(0).isNullAt(4)).isTrue();
    assertThat(out.get(4).isNullAt(4)).isTrue();
    assertThat(out.get(1).getString(4)).startsWith("text: not an image");
    assertThat(out.get(2).getString(4)).startsWith("truncated: ");
    assertThat(out.get(3).getString(4)).isEqualTo("no image (null)");
    for (int i = 1; i <= 3; i++) {
      assertThat(out.get(i).isNullAt(1)).isTrue();
      assertThat(out.get(i).isNullAt(3)).isTrue();
    }

    StructType arrays = new StructType().add("id", DataTypes.LongType)
        .add("image", DataTypes.createArrayType(DataTypes.FloatType));
    List<Row> sized = List.of(RowFactory.create(1L, Arrays.asList(new Float[784])),
        RowFactory.create(2L, Arrays.asList(new Float[100])));
    Arrays.fill(new Float[0], 0f);
    Float[] zeros = new Float[784];
    Arrays.fill(zeros, 0f);
    List<Row> out2 = BatchInference.builder(model.toString()).build()
        .apply(spark.createDataFrame(List.of(RowFactory.create(0L, Arrays.asList(zeros)), sized.get(0), sized.get(1)),
            arrays).coalesce(1)).collectAsList();
    assertThat(out2.get(0).isNullAt(4)).isTrue();
    assertThat(out2.get(1).getString(4)).isEqualTo("pixel 0 is null");
    assertThat(out2.get(2).getString(4)).isEqualTo("the image has 100 values; the model takes 28x28x1 = 784");
  }

  /** A model folder missing on the executors fails the job (no hang), naming the folder. */
  @Test
  void aMissingModelFailsTheJobNamingTheFolder() {
    String missing = dir.resolve("no-such-model").toString();
    Dataset<Row> images = SparkImages.of(spark, test.first(10), "test", 2);
    assertThatThrownBy(() -> BatchInference.builder(missing).encoding(ImageEncoding.UINT8).build().apply(images)
        .collectAsList())
        .isInstanceOf(SparkException.class)
        .hasMessageContaining("cannot load the model " + missing + " on executor driver")
        .hasMessageContaining("the folder does not exist")
        .hasMessageContaining("--archives");
  }

  @Test
  void columnsAreCheckedOnTheDriver() {
    Dataset<Row> images = SparkImages.of(spark, test.first(4), "test", 1);
    assertThatThrownBy(() -> BatchInference.builder(model.toString()).imageColumn("pixels").build().apply(images))
        .hasMessage("no image column 'pixels': the input has [id, label, split, image]");
    assertThatThrownBy(() -> BatchInference.builder(model.toString()).imageColumn("split").build().apply(images))
        .hasMessageContaining("image column 'split' is string; expected binary");
    assertThatThrownBy(() -> BatchInference.builder(model.toString()).imageColumn("image")
        .encoding(ImageEncoding.FLOAT).build().apply(images))
        .hasMessage("image column 'image' is binary, which cannot hold FLOAT images");
  }

  /** One load per JVM: several jobs of several partitions each share the model. */
  @Test
  void theModelIsLoadedOncePerJvm() {
    Dataset<Row> images = SparkImages.of(spark, test.first(200), "test", 6);
    BatchInference inference = BatchInference.builder(model.toString()).batchSize(16)
        .encoding(ImageEncoding.UINT8).build();
    inference.apply(images).collectAsList();
    long loads = JvmCache.loads("model " + model);
    inference.apply(images).collectAsList();
    assertThat(JvmCache.loads("model " + model)).isEqualTo(loads).isEqualTo(1);
  }

  static float[] floats(List<Float> values) {
    float[] out = new float[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = values.get(i);
    }
    return out;
  }
}
