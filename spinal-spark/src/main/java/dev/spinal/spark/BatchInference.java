package dev.spinal.spark;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.collect.AbstractIterator;
import dev.spinal.savedmodel.ExportedModel;
import java.io.Serializable;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/**
 * Applies an exported classifier ({@code ModelExporter}'s {@code BASE/<version>/}, loaded as an
 * {@link ExportedModel}) to a DataFrame of images, on the executors.
 *
 * <pre>{@code
 * Dataset<Row> images = spark.read().format("binaryFile").load("photos/");   // path, ..., content
 * Dataset<Row> predicted = BatchInference.builder("models/shoes/3")
 *     .idColumn("path").imageColumn("content").batchSize(256).build()
 *     .apply(images);                                                    // path, class, class_name, probabilities, error
 * }</pre>
 *
 * <p>Output, one row per input row, in the input's order within each partition: the id column as it
 * was, {@value #CLASS} (int), {@value #CLASS_NAME} (string, from the export's {@code classes.txt}),
 * {@value #PROBABILITIES} ({@code array<float>} of the classes' probabilities) and {@value #ERROR}
 * (null, or why the row has no prediction).
 *
 * <p>How it runs: every partition is read in chunks of {@link Builder#batchSize} rows; each row's
 * image becomes {@code [H, W, C]} pixels / 255 ({@link ImageEncoding}), and the chunk's good images
 * go through the model in one call. The model is loaded once per executor JVM and shared by its
 * tasks ({@code JvmCache}), with TensorFlow's threads set from the executor's cores ({@link TfThreads}).
 *
 * <p>Bad input: a row whose image is null, cannot be decoded, or has the wrong number of values gets
 * null predictions and its reason in {@value #ERROR}; the job goes on. A model folder that is missing
 * or unreadable on an executor fails its tasks, and so the job, with a message naming the folder and
 * the executor.
 */
public final class BatchInference implements Serializable {

  private static final long serialVersionUID = 1L;

  public static final String CLASS = "class";
  public static final String CLASS_NAME = "class_name";
  public static final String PROBABILITIES = "probabilities";
  public static final String ERROR = "error";

  private final String model;
  private final String idColumn;
  private final String imageColumn;
  private final ImageEncoding encoding;
  private final int batchSize;
  private final TfThreads threads;

  private BatchInference(Builder b) {
    this.model = b.model;
    this.idColumn = b.idColumn;
    this.imageColumn = b.imageColumn;
    this.encoding = b.encoding;
    this.batchSize = b.batchSize;
    this.threads = b.threads;
  }

  /**
   * @param model the export's folder as every executor sees it: a version folder, or a base folder
   *     whose highest version is taken
   */
  public static Builder builder(String model) {
    return new Builder(model);
  }

  /** The output schema for an input whose id column is {@code id}. */
  public static StructType outputSchema(StructField id) {
    return new StructType(new StructField[] {
        id,
        DataTypes.createStructField(CLASS, DataTypes.IntegerType, true),
        DataTypes.createStructField(CLASS_NAME, DataTypes.StringType, true),
        DataTypes.createStructField(PROBABILITIES, DataTypes.createArrayType(DataTypes.FloatType, false), true),
        DataTypes.createStructField(ERROR, DataTypes.StringType, true)});
  }

  /**
   * The predictions of {@code images}' rows (lazy: Spark runs them when the result is written or
   * collected).
   *
   * @throws IllegalArgumentException naming a missing column or an image column of the wrong type
   */
  public Dataset<Row> apply(Dataset<Row> images) {
    StructType in = images.schema();
    StructField id = Columns.field(in, idColumn, "id");
    StructField image = Columns.field(in, imageColumn, "image");
    ImageEncoding enc = encoding != null ? encoding : ImageEncoding.of(imageColumn, image.dataType());
    enc.check(imageColumn, image.dataType());
    Dataset<Row> selected = images.select(idColumn, imageColumn);
    return selected.mapPartitions(new Partition(model, enc, batchSize, threads), Encoders.row(outputSchema(id)));
  }

  public String model() {
    return model;
  }

  public int batchSize() {
    return batchSize;
  }

  /** The function every partition runs: rows (id, image) to prediction rows. */
  private record Partition(String model, ImageEncoding encoding, int batchSize, TfThreads threads)
      implements MapPartitionsFunction<Row, Row> {

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
      return new AbstractIterator<>() {
        private final ArrayDeque<Row> ready = new ArrayDeque<>();

        @Override
        protected Row computeNext() {
          if (ready.isEmpty() && rows.hasNext()) {
            predictChunk(rows, ready);
          }
          return ready.isEmpty() ? endOfData() : ready.poll();
        }
      };
    }

    /** Reads up to {@code batchSize} rows and adds their results, in order, to {@code out}. */
    private void predictChunk(Iterator<Row> rows, ArrayDeque<Row> out) {
      try (JvmCache.Lease<ExportedModel> lease = ExecutorModels.classifier(model, threads)) {
        ExportedModel m = lease.get();
        Shape hwc = m.imageShape();
        ImageChunk chunk = ImageChunk.read(rows, batchSize, encoding, 0, 1, (int) hwc.get(0), (int) hwc.get(1),
            (int) hwc.get(2));
        ExportedModel.Prediction prediction = null;
        if (chunk.good() > 0) {
          try (TFloat32 x = chunk.images()) {
            prediction = m.predict(x);
          }
        }
        List<String> names = m.classNames();
        int classes = prediction == null ? 0 : prediction.numClasses();
        int k = 0;
        for (int i = 0; i < chunk.rows.size(); i++) {
          Object id = chunk.rows.get(i).get(0);
          if (chunk.errors[i] != null) {
            out.add(RowFactory.create(id, null, null, null, chunk.errors[i]));
            continue;
          }
          int cls = (int) prediction.classes()[k];
          float[] p = Arrays.copyOfRange(prediction.probabilities(), k * classes, (k + 1) * classes);
          out.add(RowFactory.create(id, cls, cls < names.size() ? names.get(cls) : Integer.toString(cls), p, null));
          k++;
        }
      }
    }
  }

  /** Builds a {@link BatchInference}. Defaults: id column {@code id}, image column {@code image}, encoding from the column's type, batches of 256, threads from the executor. */
  public static final class Builder {
    private final String model;
    private String idColumn = "id";
    private String imageColumn = "image";
    private ImageEncoding encoding;
    private int batchSize = 256;
    private TfThreads threads = TfThreads.fromExecutor();

    private Builder(String model) {
      checkArgument(model != null && !model.isBlank(), "BatchInference.model is required (the export's folder)");
      this.model = model;
    }

    /** The column kept with each prediction (any type): a file path, a key. */
    public Builder idColumn(String value) {
      this.idColumn = checkNotNull(value, "BatchInference.idColumn");
      return this;
    }

    public Builder imageColumn(String value) {
      this.imageColumn = checkNotNull(value, "BatchInference.imageColumn");
      return this;
    }

    /** How the image column holds images; null (the default): from its type ({@link ImageEncoding#of}). */
    public Builder encoding(ImageEncoding value) {
      this.encoding = value;
      return this;
    }

    /** Rows per model call (the last of a partition may be smaller). */
    public Builder batchSize(int value) {
      checkArgument(value >= 1, "BatchInference.batchSize must be >= 1, got %s", value);
      this.batchSize = value;
      return this;
    }

    public Builder threads(TfThreads value) {
      this.threads = checkNotNull(value, "BatchInference.threads");
      return this;
    }

    public BatchInference build() {
      return new BatchInference(this);
    }
  }
}
