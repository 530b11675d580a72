package dev.spinal.cli;

import dev.spinal.datasets.DataOptions;
import dev.spinal.datasets.Datasets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code spinal data list|fetch|inspect}. */
@Command(name = "data", description = "The datasets: list them, fetch one into the cache, inspect a copy.",
    subcommands = {DataCommand.ListData.class, DataCommand.Fetch.class, DataCommand.Inspect.class})
final class DataCommand {

  @Command(name = "list", description = "The known datasets and where they come from.")
  static final class ListData implements Callable<Integer> {
    @Override
    public Integer call() {
      Datasets.list().forEach(spec -> System.out.println(spec));
      return 0;
    }
  }

  @Command(name = "fetch", description = "Find or download a dataset into the cache, verifying checksums.")
  static final class Fetch implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DATASET", completionCandidates = Choices.DatasetKeys.class,
        description = "Dataset: ${COMPLETION-CANDIDATES}.")
    String name;
    @Option(names = "--cache", paramLabel = "DIR", description = "Cache folder. Default: ~/.cache/spinal/datasets, or $SPINAL_DATA when set.")
    Path cache;

    @Override
    public Integer call() {
      DataOptions.Builder b = DataOptions.builder();
      if (cache != null) {
        b.cacheDir(cache);
      }
      System.out.println(Datasets.fetch(name, b.build()));
      return 0;
    }
  }

  @Command(name = "inspect", description = "Counts, shapes, classes and checksum status of a dataset copy.")
  static final class Inspect implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DATASET", completionCandidates = Choices.DatasetKeys.class,
        description = "Dataset: ${COMPLETION-CANDIDATES}.")
    String name;
    @Option(names = "--data-path", paramLabel = "DIR", description = "Folder holding the dataset's files. Default: found in the"
        + " cache, the system's folders, else downloaded.")
    Path path;

    @Override
    public Integer call() {
      DataOptions.Builder b = DataOptions.builder();
      if (path != null) {
        b.path(path);
      }
      System.out.println(Datasets.inspect(name, b.build()).summary());
      return 0;
    }
  }
}
