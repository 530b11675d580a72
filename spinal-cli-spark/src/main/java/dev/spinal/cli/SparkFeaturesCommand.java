package dev.spinal.cli;

import dev.spinal.datasets.DatasetSplits;
import dev.spinal.spark.FeatureExtraction;
import dev.spinal.spark.ImageEncoding;
import dev.spinal.spark.ParquetFeatures;
import dev.spinal.spark.SparkImages;
import dev.spinal.spark.TfThreads;
import dev.spinal.train.Runs;
import dev.spinal.train.TrainConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.hadoop.fs.FileStatus;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code spinal spark features}: a frozen backbone's features of a dataset, as Parquet for {@code train --features}. */
@Command(name = "features", description = {
    "Compute a frozen backbone's features of a dataset on Spark and write them as Parquet (id, label, split,"
        + " features, error), partitioned by split, for `spinal train --features OUT --backbone BACKBONE`.",
    "Data: --dataset or --data (loaded and split on the driver exactly as `spinal train` splits them, sent to the"
        + " executors), or --input, a Parquet table of id, label, split and image columns that the executors read."})
final class SparkFeaturesCommand implements Callable<Integer> {

  @Mixin SparkCommand.Cluster cluster;

  @Option(names = "--backbone", paramLabel = "DIR", required = true, description = "A backbone SavedModel folder"
      + " (saved-models/export_backbone.py), as every executor sees it.")
  String backbone;

  @Option(names = "--out", paramLabel = "DIR", required = true, description = "Output folder (must not exist).")
  String out;

  @Option(names = "--dataset", paramLabel = "DATASET", completionCandidates = Choices.DatasetKeys.class,
      description = "A registry dataset: ${COMPLETION-CANDIDATES}.")
  String dataset;

  @Option(names = "--data", paramLabel = "PATH", description = "Your own data, as spinal train --data takes it.")
  Path data;

  @Option(names = "--data-path", paramLabel = "DIR", description = "With --dataset: the folder holding its files.")
  Path dataPath;

  @Option(names = "--limit", paramLabel = "N", defaultValue = "0", description = "With --dataset/--data: only the"
      + " first N images of each split (0: all).")
  int limit;

  @Option(names = "--seed", paramLabel = "N", defaultValue = "1", description = "With --dataset/--data: seed of the"
      + " validation (and test) split carved from the data, as spinal train --seed carves it.")
  long seed;

  @Option(names = "--image-size", paramLabel = "HxW", description = "With --data: resize the images, as spinal train"
      + " --image-size; with --input: the size the images are made (required).")
  String imageSize;

  @Option(names = "--channels", paramLabel = "C", description = "With --data: 1 or 3, as spinal train --channels;"
      + " with --input: the channels the images are made (required).")
  Integer channels;

  @Option(names = "--input", paramLabel = "PARQUET", description = "A Parquet table with columns id, label (int),"
      + " split (train, validation, test) and image, read by the executors.")
  String input;

  @Option(names = "--image-col", paramLabel = "NAME", defaultValue = "image", description = "With --input: the image"
      + " column.")
  String imageColumn;

  @Option(names = "--encoding", paramLabel = "ENCODING", description = "With --input: how the image column holds"
      + " images: ${COMPLETION-CANDIDATES}. Default: from its type.")
  ImageEncoding encoding;

  @Option(names = "--classes", paramLabel = "FILE", description = "With --input: the class names, one per line in"
      + " label order (e.g. an export's classes.txt).")
  Path classes;

  @Option(names = "--name", paramLabel = "NAME", description = "With --input: the dataset's name (default: the"
      + " input's folder name).")
  String name;

  @Option(names = "--batch", paramLabel = "N", defaultValue = "256", description = "Images per backbone call.")
  int batch;

  @Option(names = "--partitions", paramLabel = "N", defaultValue = "0", description = "Partitions of the input"
      + " (0: --input as read; --dataset/--data: twice the default parallelism).")
  int partitions;

  @Option(names = "--tf-threads", paramLabel = "INTRA,INTER", description = "TensorFlow's intra-op and inter-op"
      + " threads per executor. Default: the executor's cores, and cores / spark.task.cpus.")
  String tfThreads;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    int sources = (dataset != null ? 1 : 0) + (data != null ? 1 : 0) + (input != null ? 1 : 0);
    if (sources != 1) {
      throw new IllegalArgumentException("give one of --dataset, --data or --input");
    }
    if (input == null && (classes != null || name != null || encoding != null)) {
      throw new IllegalArgumentException("--classes, --name and --encoding describe an --input table");
    }
    DatasetSplits splits = input == null ? load() : null;
    SparkSession spark = cluster.session("spinal spark features");
    try {
      long start = System.nanoTime();
      Dataset<Row> images;
      ParquetFeatures.Info info;
      FeatureExtraction.Builder fx;
      if (splits != null) {
        var train = splits.train();
        int parts = partitions > 0 ? partitions : 2 * spark.sparkContext().defaultParallelism();
        images = SparkImages.of(spark, splits, parts);
        info = new ParquetFeatures.Info(splits.info().name(), train.classNames(), backbone,
            new int[] {train.height(), train.width(), train.channels()});
        fx = FeatureExtraction.builder(backbone, train.height(), train.width(), train.channels())
            .encoding(ImageEncoding.UINT8);
      } else {
        if (imageSize == null || channels == null || classes == null) {
          throw new IllegalArgumentException("--input needs --image-size, --channels and --classes");
        }
        int[] hw = TrainSettings.parseImageSize(imageSize);
        List<String> names = Files.readAllLines(classes, StandardCharsets.UTF_8).stream().map(String::strip)
            .filter(s -> !s.isEmpty()).toList();
        images = spark.read().parquet(input);
        if (partitions > 0) {
          images = images.repartition(partitions);
        }
        info = new ParquetFeatures.Info(name != null ? name : Path.of(input).getFileName().toString(), names,
            backbone, new int[] {hw[0], hw[1], channels});
        fx = FeatureExtraction.builder(backbone, hw[0], hw[1], channels).imageColumn(imageColumn).encoding(encoding);
      }
      fx.batchSize(batch).threads(threads(tfThreads));
      ParquetFeatures.Written written = ParquetFeatures.write(fx.build().apply(images), out, "id", info);
      PrintWriter w = spec.commandLine().getOut();
      w.printf("features of %s through %s in %.1f s on %s: %s rows by split, %d without features (their error"
          + " column says why): %s%n", info.name(), backbone, (System.nanoTime() - start) / 1e9,
          spark.sparkContext().master(), written.rows(), written.errors(), out);
      w.printf("train a head on them: spinal train --features %s --backbone %s --out RUN [--export BASE]%n", out,
          backbone);
      w.flush();
      return 0;
    } catch (Exception e) {
      // Spark throws its SparkException (a checked exception) from Scala code without declaring it
      throw SparkCommand.reason(e);
    } finally {
      spark.stop();
    }
  }

  /** The splits {@code spinal train} would load with the same data options. */
  private DatasetSplits load() {
    TrainConfig.Builder b = TrainConfig.builder().seed(seed).limit(limit);
    if (dataset != null) {
      b.dataset(dataset);
      if (dataPath != null) {
        b.dataPath(dataPath.toString());
      }
    } else {
      b.data(data.toString());
    }
    if (imageSize != null) {
      int[] hw = TrainSettings.parseImageSize(imageSize);
      b.imageHeight(hw[0]).imageWidth(hw[1]);
    }
    if (channels != null) {
      b.channels(channels);
    }
    return Runs.loadData(b.build());
  }

  /** {@code --tf-threads INTRA,INTER}, or from the executor. */
  static TfThreads threads(String text) {
    if (text == null) {
      return TfThreads.fromExecutor();
    }
    String[] parts = text.split(",");
    try {
      if (parts.length != 2) {
        throw new NumberFormatException();
      }
      return TfThreads.of(Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim()));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--tf-threads expects INTRA,INTER (two counts >= 1), got '" + text + "'");
    }
  }

  /** A Parquet file, or a folder holding *.parquet files (at any depth: partitioned tables). */
  static boolean isParquet(SparkSession spark, String path) {
    try {
      org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(path);
      var fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
      if (!fs.exists(p)) {
        throw new IllegalArgumentException("--input " + path + " does not exist");
      }
      if (fs.getFileStatus(p).isFile()) {
        return path.endsWith(".parquet");
      }
      var files = fs.listFiles(p, true);
      while (files.hasNext()) {
        FileStatus f = files.next();
        if (f.getPath().getName().endsWith(".parquet")) {
          return true;
        }
      }
      return false;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot list --input " + path + ": " + e.getMessage(), e);
    }
  }
}
