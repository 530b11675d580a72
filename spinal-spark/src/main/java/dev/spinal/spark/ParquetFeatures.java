package dev.spinal.spark;

import static com.google.common.base.Preconditions.checkArgument;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.spinal.train.batches.FeatureCache;
import dev.spinal.train.batches.FeatureSplits;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.tensorflow.ndarray.Shape;

/**
 * A frozen backbone's features as Parquet: what {@link FeatureExtraction} computes, written
 * partitioned by split ({@code DIR/split=train/part-*.parquet}, ...; columns id, {@value #LABEL},
 * {@value FeatureExtraction#FEATURES} {@code array<float>}, {@code error}), with
 * {@value #INFO_FILE} beside them: the dataset's name, class names, image shape, the backbone and the
 * row counts. {@link #read} turns such a folder back into the trainer's {@link FeatureSplits}.
 *
 * <p>The folder may be on any file system Spark writes to (a local path, {@code hdfs://},
 * {@code s3a://}); {@value #INFO_FILE} is written last, through a temporary file, so its presence
 * means the Parquet files are complete. Its name starts with {@code _}, which Spark's readers skip.
 */
public final class ParquetFeatures {

  public static final String LABEL = "label";
  public static final String SPLIT = "split";
  public static final String INFO_FILE = "_spinal-features.json";
  static final String SCHEMA = "spinal-features/1";
  static final List<String> SPLITS = List.of("train", "validation", "test");

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private ParquetFeatures() {}

  /**
   * What the features are of.
   *
   * @param name the dataset's name
   * @param classNames class names in label order
   * @param backbone the backbone folder that computed them
   * @param imageShape {@code [H, W, C]} of the images
   */
  public record Info(String name, List<String> classNames, String backbone, int[] imageShape) {
    public Info {
      classNames = List.copyOf(classNames);
      checkArgument(imageShape.length == 3, "ParquetFeatures.Info.imageShape must be [H, W, C]");
    }
  }

  /** What {@link #write} wrote: rows per split (with features), and rows without (their error set). */
  public record Written(String dir, Map<String, Long> rows, long errors) {}

  /**
   * Writes {@code features} (the output of {@link FeatureExtraction#apply}) to {@code dir}, which
   * must not exist, partitioned by split, then {@value #INFO_FILE}. Rows with an error are kept (with
   * null features) so that they can be looked at; {@link #read} leaves them out.
   */
  public static Written write(Dataset<Row> features, String dir, String idColumn, Info info) {
    SparkSession spark = features.sparkSession();
    features.write().mode("errorifexists").partitionBy(SPLIT).parquet(dir);
    Map<String, Long> rows = new LinkedHashMap<>();
    long errors = 0;
    for (Row r : spark.read().parquet(dir).groupBy(SPLIT)
        .agg(count(when(col(BatchInference.ERROR).isNull(), lit(1))).as("ok"),
            count(col(BatchInference.ERROR)).as("bad"))
        .orderBy(SPLIT).collectAsList()) {
      rows.put(r.getString(0), r.getLong(1));
      errors += r.getLong(2);
    }
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("schema", SCHEMA);
    json.put("name", info.name());
    json.put("classes", info.classNames());
    json.put("backbone", info.backbone());
    json.put("image_shape", info.imageShape());
    json.put("id_column", idColumn);
    json.put("rows", rows);
    json.put("rows_with_errors", errors);
    writeInfo(spark.sparkContext().hadoopConfiguration(), dir, json);
    return new Written(dir, rows, errors);
  }

  /** Whether {@code dir} holds features written by {@link #write} (its {@value #INFO_FILE}). */
  public static boolean isFeaturesFolder(SparkSession spark, String dir) {
    try {
      org.apache.hadoop.fs.Path info = new org.apache.hadoop.fs.Path(dir, INFO_FILE);
      return info.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(info);
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Reads the features in {@code dir} into memory, each split's rows ordered by id; rows with an
   * error are left out.
   *
   * @throws IllegalArgumentException when {@code dir} has no {@value #INFO_FILE}, or lacks the train
   *     or validation split, or holds a label outside the class names
   */
  public static FeatureSplits read(SparkSession spark, String dir) {
    JsonNode info = readInfo(spark.sparkContext().hadoopConfiguration(), dir);
    List<String> classes = new ArrayList<>();
    info.path("classes").forEach(n -> classes.add(n.asText()));
    JsonNode shape = info.path("image_shape");
    String id = info.path("id_column").asText("id");
    Dataset<Row> all = spark.read().parquet(dir);
    List<String> found = new ArrayList<>();
    for (Row r : all.select(SPLIT).distinct().collectAsList()) {
      found.add(r.getString(0));
    }
    for (String s : found) {
      if (!SPLITS.contains(s)) {
        throw new IllegalArgumentException(dir + ": unknown split '" + s + "'; expected " + SPLITS);
      }
    }
    for (String s : List.of("train", "validation")) {
      if (!found.contains(s)) {
        throw new IllegalArgumentException(dir + " has no " + s + " rows (splits found: " + found + "); a head"
            + " trains on train and selects its epoch on validation");
      }
    }
    long start = System.nanoTime();
    FeatureCache train = split(all, "train", id, dir);
    FeatureCache validation = split(all, "validation", id, dir);
    FeatureCache test = found.contains("test") ? split(all, "test", id, dir) : null;
    double seconds = (System.nanoTime() - start) / 1e9;
    return new FeatureSplits(info.path("name").asText(dir),
        Shape.of(shape.path(0).asLong(), shape.path(1).asLong(), shape.path(2).asLong()), classes,
        withSeconds(train, seconds), validation, test,
        dir + " (features of " + info.path("backbone").asText("?") + ")");
  }

  private static FeatureCache withSeconds(FeatureCache c, double seconds) {
    return new FeatureCache(c.features(), c.labels(), c.dimension(), seconds);
  }

  /** One split's rows without error, ordered by id, into a {@link FeatureCache}. */
  private static FeatureCache split(Dataset<Row> all, String name, String id, String dir) {
    Dataset<Row> rows = all.where(col(SPLIT).equalTo(name).and(col(BatchInference.ERROR).isNull()))
        .orderBy(col(id)).select(col(LABEL), col(FeatureExtraction.FEATURES));
    int n = Math.toIntExact(rows.count());
    int[] labels = new int[n];
    float[] features = null;
    int d = -1;
    int i = 0;
    Iterator<Row> it = rows.toLocalIterator();
    while (it.hasNext()) {
      Row r = it.next();
      List<Float> f = r.getList(1);
      if (d < 0) {
        d = f.size();
        features = new float[Math.multiplyExact(n, d)];
      } else if (f.size() != d) {
        throw new IllegalArgumentException(dir + ": " + name + " row " + i + " has " + f.size() + " features, the"
            + " rows before it " + d);
      }
      labels[i] = r.getInt(0);
      for (int k = 0; k < d; k++) {
        features[i * d + k] = f.get(k);
      }
      i++;
    }
    if (n == 0) {
      throw new IllegalArgumentException(dir + ": every " + name + " row has an error (no features)");
    }
    return new FeatureCache(features, labels, d, 0);
  }

  private static JsonNode readInfo(Configuration conf, String dir) {
    org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(dir, INFO_FILE);
    try {
      FileSystem fs = file.getFileSystem(conf);
      if (!fs.exists(file)) {
        throw new IllegalArgumentException(dir + " holds no features: no " + INFO_FILE + " (written last by `spinal"
            + " spark features`, so an unfinished write has none)");
      }
      try (InputStream in = fs.open(file)) {
        JsonNode json = JSON.readTree(in);
        if (!SCHEMA.equals(json.path("schema").asText())) {
          throw new IllegalArgumentException(file + ": schema is '" + json.path("schema").asText() + "', expected '"
              + SCHEMA + "'");
        }
        return json;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  private static void writeInfo(Configuration conf, String dir, Map<String, Object> json) {
    org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(dir, INFO_FILE);
    org.apache.hadoop.fs.Path tmp = new org.apache.hadoop.fs.Path(dir, "_" + INFO_FILE + ".tmp");
    try {
      FileSystem fs = file.getFileSystem(conf);
      try (OutputStream out = fs.create(tmp, true)) {
        JSON.writeValue(out, json);
      }
      if (!fs.rename(tmp, file)) {
        throw new IOException("rename " + tmp + " -> " + file + " failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }
}
