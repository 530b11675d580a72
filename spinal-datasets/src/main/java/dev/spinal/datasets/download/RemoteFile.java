package dev.spinal.datasets.download;

import java.util.List;

/**
 * One file a publisher serves: its name in the cache, the URLs to try in order, its size in bytes (-1 when not
 * known) and its checksum ({@code null} when no published value is known — then the download is kept but reported
 * as unverified). {@code archive} files are extracted into the dataset's cache folder after verification.
 * {@code nestedArchive}/{@code nestedChecksum}: an archive inside this one that is verified and extracted in turn
 * (Caltech-101's zip wraps {@code 101_ObjectCategories.tar.gz}).
 */
public record RemoteFile(String fileName, List<String> urls, long size, Checksum checksum, boolean archive,
    String nestedArchive, Checksum nestedChecksum) {

  public static RemoteFile file(String fileName, List<String> urls, long size, Checksum checksum) {
    return new RemoteFile(fileName, List.copyOf(urls), size, checksum, false, null, null);
  }

  public static RemoteFile archive(String fileName, List<String> urls, long size, Checksum checksum) {
    return new RemoteFile(fileName, List.copyOf(urls), size, checksum, true, null, null);
  }

  public RemoteFile withNested(String nestedName, Checksum nested) {
    return new RemoteFile(fileName, urls, size, checksum, archive, nestedName, nested);
  }
}
