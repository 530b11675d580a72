package dev.spinal.spark;

import dev.spinal.datasets.DatasetSplits;
import dev.spinal.datasets.ImageDataset;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** DataFrames of images for {@link BatchInference} and {@link FeatureExtraction}. */
public final class SparkImages {

  /** Columns of {@link #of}: {@code id} (long), {@code label} (int), {@code split} (string), {@code image} (binary). */
  public static final StructType SCHEMA = new StructType(new StructField[] {
      DataTypes.createStructField("id", DataTypes.LongType, false),
      DataTypes.createStructField(ParquetFeatures.LABEL, DataTypes.IntegerType, false),
      DataTypes.createStructField(ParquetFeatures.SPLIT, DataTypes.StringType, false),
      DataTypes.createStructField("image", DataTypes.BinaryType, false)});

  private SparkImages() {}

  /**
   * A dataset's splits as rows ({@link #SCHEMA}): {@code id} is the image's index in its split,
   * {@code image} its raw HWC uint8 pixels (read them with {@link ImageEncoding#UINT8}). The images are
   * sent from the driver, in at least {@code partitions} partitions of at most ~768 KB each (Spark warns
   * about larger tasks): for data that fits in the driver's memory.
   */
  public static Dataset<Row> of(SparkSession spark, DatasetSplits data, int partitions) {
    List<Row> rows = new ArrayList<>();
    add(rows, data.train(), "train");
    add(rows, data.validation(), "validation");
    add(rows, data.test(), "test");
    return parallelize(spark, rows, data.train().imageBytes(), partitions);
  }

  /** One split as rows ({@link #SCHEMA}), as {@link #of(SparkSession, DatasetSplits, int)} does. */
  public static Dataset<Row> of(SparkSession spark, ImageDataset split, String name, int partitions) {
    List<Row> rows = new ArrayList<>();
    add(rows, split, name);
    return parallelize(spark, rows, split.imageBytes(), partitions);
  }

  private static Dataset<Row> parallelize(SparkSession spark, List<Row> rows, int imageBytes, int partitions) {
    long bytes = (long) rows.size() * (imageBytes + 32);
    int slices = (int) Math.max(partitions, Math.min(Math.max(1, rows.size()), (bytes + 786_431) / 786_432));
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    return spark.createDataFrame(sc.parallelize(rows, slices), SCHEMA);
  }

  private static void add(List<Row> rows, ImageDataset split, String name) {
    if (split == null) {
      return;
    }
    for (int i = 0; i < split.size(); i++) {
      rows.add(RowFactory.create((long) i, split.label(i), name, split.image(i)));
    }
  }

  /**
   * The image files under {@code dir} (recursively; PNG, JPEG, BMP, GIF by extension) as rows
   * {@code path} (string, the id) and {@code content} (binary, {@link ImageEncoding#ENCODED}): Spark's
   * {@code binaryFile} source, read by the executors.
   */
  public static Dataset<Row> files(SparkSession spark, String dir) {
    return spark.read().format("binaryFile")
        .option("recursiveFileLookup", "true")
        .option("pathGlobFilter", "*.{png,PNG,jpg,JPG,jpeg,JPEG,bmp,BMP,gif,GIF}")
        .load(dir)
        .select("path", "content");
  }
}
