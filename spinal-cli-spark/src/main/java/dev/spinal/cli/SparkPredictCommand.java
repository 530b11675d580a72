package dev.spinal.cli;

import static org.apache.spark.sql.functions.col;

import dev.spinal.spark.BatchInference;
import dev.spinal.spark.ImageEncoding;
import dev.spinal.spark.SparkImages;
import dev.spinal.spark.TfThreads;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code spinal spark predict}: an export's predictions for a folder of images or a Parquet table of them. */
@Command(name = "predict", description = {
    "Predict the classes of many images with an exported model on Spark; write id, class, class_name,"
        + " probabilities and error (why a row has no prediction) to --out.",
    "Input: a folder of image files (PNG, JPEG, BMP, GIF; the id is the file's path) or a Parquet table with an id"
        + " and an image column (encoded image bytes, uint8 or float pixel arrays)."})
final class SparkPredictCommand implements Callable<Integer> {

  @Mixin SparkCommand.Cluster cluster;

  @Option(names = "--model", paramLabel = "DIR", required = true, description = "Export folder as every executor"
      + " sees it: BASE/<version>, or BASE for its highest version.")
  String model;

  @Option(names = "--input", paramLabel = "PATH", required = true, description = "A folder of image files (read"
      + " recursively), or a Parquet file or folder (*.parquet inside).")
  String input;

  @Option(names = "--out", paramLabel = "DIR", required = true, description = "Output folder (must not exist).")
  String out;

  @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "parquet", description = "Output format:"
      + " parquet or json (one object per line).")
  String format;

  @Option(names = "--id-col", paramLabel = "NAME", defaultValue = "id", description = "Parquet input: the id column.")
  String idColumn;

  @Option(names = "--image-col", paramLabel = "NAME", defaultValue = "image", description = "Parquet input: the"
      + " image column.")
  String imageColumn;

  @Option(names = "--encoding", paramLabel = "ENCODING", description = "Parquet input: how the image column holds"
      + " images: ${COMPLETION-CANDIDATES}. Default: from its type (binary: encoded, integer arrays: uint8, float"
      + " arrays: float in [0, 1]).")
  ImageEncoding encoding;

  @Option(names = "--batch", paramLabel = "N", defaultValue = "256", description = "Images per model call.")
  int batch;

  @Option(names = "--partitions", paramLabel = "N", defaultValue = "0", description = "Repartition the input into"
      + " N partitions (0: as read).")
  int partitions;

  @Option(names = "--tf-threads", paramLabel = "INTRA,INTER", description = "TensorFlow's intra-op and inter-op"
      + " threads per executor. Default: the executor's cores, and cores / spark.task.cpus.")
  String tfThreads;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (!format.equals("parquet") && !format.equals("json")) {
      throw new IllegalArgumentException("--format must be parquet or json, got '" + format + "'");
    }
    SparkSession spark = cluster.session("spinal spark predict");
    try {
      long start = System.nanoTime();
      Dataset<Row> images;
      BatchInference.Builder inference = BatchInference.builder(model).batchSize(batch)
          .threads(SparkFeaturesCommand.threads(tfThreads));
      if (SparkFeaturesCommand.isParquet(spark, input)) {
        images = spark.read().parquet(input);
        inference.idColumn(idColumn).imageColumn(imageColumn).encoding(encoding);
      } else {
        images = SparkImages.files(spark, input);
        inference.idColumn("path").imageColumn("content").encoding(ImageEncoding.ENCODED);
      }
      if (partitions > 0) {
        images = images.repartition(partitions);
      }
      Dataset<Row> predicted = inference.build().apply(images);
      if (format.equals("parquet")) {
        predicted.write().mode("errorifexists").parquet(out);
      } else {
        // nulls written out: every line has the same keys, and a job without a bad row still has its error column
        predicted.write().mode("errorifexists").option("ignoreNullFields", "false").json(out);
      }
      Dataset<Row> written = format.equals("parquet") ? spark.read().parquet(out) : spark.read().json(out);
      long rows = written.count();
      List<Row> errors = written.where(col(BatchInference.ERROR).isNotNull()).limit(3).collectAsList();
      long bad = written.where(col(BatchInference.ERROR).isNotNull()).count();
      PrintWriter w = spec.commandLine().getOut();
      w.printf("predicted %d rows (%d without a prediction) in %.1f s on %s: %s%n", rows, bad,
          (System.nanoTime() - start) / 1e9, spark.sparkContext().master(), out);
      for (Row e : errors) {
        w.println("  " + e.get(0) + ": " + e.getString(e.fieldIndex(BatchInference.ERROR)));
      }
      w.flush();
      return 0;
    } catch (Exception e) {
      // Spark throws its SparkException (a checked exception) from Scala code without declaring it
      throw SparkCommand.reason(e);
    } finally {
      spark.stop();
    }
  }
}
