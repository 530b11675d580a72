package dev.spinal.datasets.download;

import dev.spinal.datasets.DatasetId;
import java.nio.file.Path;
import java.util.List;

/**
 * What the registry knows about one dataset: the files that must be present, where its publisher serves them,
 * which system folders may already hold a copy, and how to obtain it by hand.
 *
 * @param cacheFolder sub-folder of the cache ({@code emnist} is shared by both EMNIST splits)
 * @param files files (or folders) that must be present under the dataset's root
 * @param downloads what to fetch to make them present; empty when the publisher needs a login (Kaggle)
 * @param systemLocations folders checked after the cache, before downloading (Debian's packages)
 * @param howToGet one or two sentences telling a user how to obtain the data by hand
 * @param checksumNote what is and is not verifiable for this dataset, and where the values come from
 */
public record DatasetSpec(DatasetId id, String title, String cacheFolder, List<DataFile> files,
    List<RemoteFile> downloads, List<Path> systemLocations, String homepage, String howToGet,
    String checksumNote) {

  public DataFile file(String name) {
    return files.stream().filter(f -> f.name().equals(name)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException(id + " has no file " + name));
  }
}
