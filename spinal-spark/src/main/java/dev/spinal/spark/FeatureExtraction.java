package dev.spinal.spark;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.collect.AbstractIterator;
import dev.spinal.train.batches.FeatureExtractor;
import java.io.Serializable;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Iterator;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.tensorflow.types.TFloat32;

/**
 * A frozen backbone's features of a DataFrame of labelled images, on the executors: what a
 * frozen-backbone training run computes in process ({@link FeatureExtractor}, the same graph), for
 * datasets too large for one machine. {@link ParquetFeatures} writes them, and reads them back as the
 * trainer's {@code FeatureSplits}, so that a head trains on one machine on features a cluster computed.
 *
 * <pre>{@code
 * Dataset<Row> features = FeatureExtraction.builder("saved-models/mobilenetv2-32", 32, 32, 3).build()
 *     .apply(images);                         // id, label, split, features, error
 * ParquetFeatures.write(features, Path.of("features/pets"), ParquetFeatures.Info.of("pets", classNames, ...));
 * }</pre>
 *
 * <p>Input columns (names settable): {@code id} (any type, kept; the read-back orders rows by it),
 * {@code label} (int, the class index), {@code split} (string: {@code train}, {@code validation},
 * {@code test}) and {@code image} ({@link ImageEncoding}). Output: those but the image, and
 * {@value #FEATURES} ({@code array<float>} of the backbone's {@code D} features) and {@value
 * BatchInference#ERROR}.
 *
 * <p>Every image becomes {@code [H, W, C]} pixels / 255 of the size given to {@link #builder} (the
 * dataset's; the backbone resizes it in its graph as in training). Bad rows and missing backbones
 * behave as in {@link BatchInference}: an {@code error} per bad row, a failed job naming the folder.
 */
public final class FeatureExtraction implements Serializable {

  private static final long serialVersionUID = 1L;

  public static final String FEATURES = "features";

  private final String backbone;
  private final int height;
  private final int width;
  private final int channels;
  private final String idColumn;
  private final String labelColumn;
  private final String splitColumn;
  private final String imageColumn;
  private final ImageEncoding encoding;
  private final int batchSize;
  private final TfThreads threads;

  private FeatureExtraction(Builder b) {
    this.backbone = b.backbone;
    this.height = b.height;
    this.width = b.width;
    this.channels = b.channels;
    this.idColumn = b.idColumn;
    this.labelColumn = b.labelColumn;
    this.splitColumn = b.splitColumn;
    this.imageColumn = b.imageColumn;
    this.encoding = b.encoding;
    this.batchSize = b.batchSize;
    this.threads = b.threads;
  }

  /**
   * @param backbone a backbone SavedModel folder (with its {@code backbone.json}) as every executor
   *     sees it
   * @param height height of the images the features are of (the dataset's)
   */
  public static Builder builder(String backbone, int height, int width, int channels) {
    return new Builder(backbone, height, width, channels);
  }

  public String backbone() {
    return backbone;
  }

  /** {@code [H, W, C]} of the images. */
  public int[] imageShape() {
    return new int[] {height, width, channels};
  }

  /**
   * The features of {@code images}' rows (lazy).
   *
   * @throws IllegalArgumentException naming a missing column or one of the wrong type
   */
  public Dataset<Row> apply(Dataset<Row> images) {
    StructType in = images.schema();
    StructField id = Columns.field(in, idColumn, "id");
    StructField label = Columns.field(in, labelColumn, "label");
    StructField split = Columns.field(in, splitColumn, "split");
    StructField image = Columns.field(in, imageColumn, "image");
    checkArgument(label.dataType().equals(DataTypes.IntegerType), "label column '%s' must be int (the class"
        + " index), got %s", labelColumn, label.dataType().simpleString());
    checkArgument(split.dataType().equals(DataTypes.StringType), "split column '%s' must be string (train,"
        + " validation, test), got %s", splitColumn, split.dataType().simpleString());
    ImageEncoding enc = encoding != null ? encoding : ImageEncoding.of(imageColumn, image.dataType());
    enc.check(imageColumn, image.dataType());
    StructType out = new StructType(new StructField[] {
        id,
        DataTypes.createStructField(ParquetFeatures.LABEL, DataTypes.IntegerType, true),
        DataTypes.createStructField(ParquetFeatures.SPLIT, DataTypes.StringType, true),
        DataTypes.createStructField(FEATURES, DataTypes.createArrayType(DataTypes.FloatType, false), true),
        DataTypes.createStructField(BatchInference.ERROR, DataTypes.StringType, true)});
    return images.select(idColumn, labelColumn, splitColumn, imageColumn)
        .mapPartitions(new Partition(backbone, height, width, channels, enc, batchSize, threads),
            Encoders.row(out));
  }

  /** The function every partition runs: rows (id, label, split, image) to feature rows. */
  private record Partition(String backbone, int h, int w, int c, ImageEncoding encoding, int batchSize,
      TfThreads threads) implements MapPartitionsFunction<Row, Row> {

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
      return new AbstractIterator<>() {
        private final ArrayDeque<Row> ready = new ArrayDeque<>();

        @Override
        protected Row computeNext() {
          if (ready.isEmpty() && rows.hasNext()) {
            extractChunk(rows, ready);
          }
          return ready.isEmpty() ? endOfData() : ready.poll();
        }
      };
    }

    private void extractChunk(Iterator<Row> rows, ArrayDeque<Row> out) {
      try (JvmCache.Lease<FeatureExtractor> lease = ExecutorModels.features(backbone, h, w, c, threads)) {
        ImageChunk chunk = ImageChunk.read(rows, batchSize, encoding, 0, 3, h, w, c);
        float[] features = null;
        if (chunk.good() > 0) {
          try (TFloat32 x = chunk.images()) {
            features = lease.get().features(x);
          }
        }
        int d = chunk.good() == 0 ? 0 : features.length / chunk.good();
        int k = 0;
        for (int i = 0; i < chunk.rows.size(); i++) {
          Row row = chunk.rows.get(i);
          if (chunk.errors[i] != null) {
            out.add(RowFactory.create(row.get(0), row.get(1), row.get(2), null, chunk.errors[i]));
            continue;
          }
          out.add(RowFactory.create(row.get(0), row.get(1), row.get(2),
              Arrays.copyOfRange(features, k * d, (k + 1) * d), null));
          k++;
        }
      }
    }
  }

  /**
   * Builds a {@link FeatureExtraction}. Defaults: columns {@code id}, {@code label}, {@code split},
   * {@code image}; encoding from the image column's type; batches of 256; threads from the executor.
   */
  public static final class Builder {
    private final String backbone;
    private final int height;
    private final int width;
    private final int channels;
    private String idColumn = "id";
    private String labelColumn = ParquetFeatures.LABEL;
    private String splitColumn = ParquetFeatures.SPLIT;
    private String imageColumn = "image";
    private ImageEncoding encoding;
    private int batchSize = 256;
    private TfThreads threads = TfThreads.fromExecutor();

    private Builder(String backbone, int height, int width, int channels) {
      checkArgument(backbone != null && !backbone.isBlank(), "FeatureExtraction.backbone is required (a folder)");
      checkArgument(height >= 1 && width >= 1, "FeatureExtraction image size must be >= 1x1, got %sx%s", height,
          width);
      checkArgument(channels == 1 || channels == 3, "FeatureExtraction channels must be 1 or 3, got %s", channels);
      this.backbone = backbone;
      this.height = height;
      this.width = width;
      this.channels = channels;
    }

    public Builder idColumn(String value) {
      this.idColumn = checkNotNull(value, "FeatureExtraction.idColumn");
      return this;
    }

    public Builder labelColumn(String value) {
      this.labelColumn = checkNotNull(value, "FeatureExtraction.labelColumn");
      return this;
    }

    public Builder splitColumn(String value) {
      this.splitColumn = checkNotNull(value, "FeatureExtraction.splitColumn");
      return this;
    }

    public Builder imageColumn(String value) {
      this.imageColumn = checkNotNull(value, "FeatureExtraction.imageColumn");
      return this;
    }

    /** How the image column holds images; null (the default): from its type. */
    public Builder encoding(ImageEncoding value) {
      this.encoding = value;
      return this;
    }

    public Builder batchSize(int value) {
      checkArgument(value >= 1, "FeatureExtraction.batchSize must be >= 1, got %s", value);
      this.batchSize = value;
      return this;
    }

    public Builder threads(TfThreads value) {
      this.threads = checkNotNull(value, "FeatureExtraction.threads");
      return this;
    }

    public FeatureExtraction build() {
      return new FeatureExtraction(this);
    }
  }
}
