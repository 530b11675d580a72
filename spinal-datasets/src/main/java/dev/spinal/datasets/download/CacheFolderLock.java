package dev.spinal.datasets.download;

import dev.spinal.datasets.DatasetException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One download at a time into a dataset's cache folder, across processes and threads: two trainings that start on
 * a dataset not yet in the cache would otherwise both append to the same {@code .part} file, and both fail its
 * checksum (or, without one, extract a scrambled archive). The second waits for the first, then finds the files in
 * the cache.
 *
 * <p>The lock is an operating-system lock on {@code .<folder>.lock} beside the folder (not in it: the folder holds
 * the dataset's files alone), so it goes with its process however that ends; within one JVM, where such locks do not
 * exclude each other, threads take turns on a lock per folder first.
 */
final class CacheFolderLock implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CacheFolderLock.class);
  private static final ConcurrentHashMap<Path, ReentrantLock> IN_THIS_JVM = new ConcurrentHashMap<>();

  private final ReentrantLock threads;
  private final Path file;
  private final FileChannel channel;
  private final FileLock lock;

  private CacheFolderLock(ReentrantLock threads, Path file, FileChannel channel, FileLock lock) {
    this.threads = threads;
    this.file = file;
    this.channel = channel;
    this.lock = lock;
  }

  /** Waits until no other thread or process downloads into {@code folder}, then holds it; {@code what} for the log. */
  static CacheFolderLock waitFor(Path folder, String what) {
    Path absolute = folder.toAbsolutePath().normalize();
    Path file = absolute.resolveSibling("." + absolute.getFileName() + ".lock");
    ReentrantLock threads = IN_THIS_JVM.computeIfAbsent(absolute, p -> new ReentrantLock());
    if (!threads.tryLock()) {
      LOG.info("waiting for another download of {} into {} to finish", what, folder);
      threads.lock();
    }
    FileChannel channel = null;
    try {
      Files.createDirectories(absolute.getParent());
      channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock = channel.tryLock();
      if (lock == null) {
        LOG.info("waiting for another process downloading {} into {} to finish", what, folder);
        lock = channel.lock();
      }
      return new CacheFolderLock(threads, file, channel, lock);
    } catch (IOException | RuntimeException e) {
      try {
        if (channel != null) {
          channel.close();
        }
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      threads.unlock();
      if (e instanceof IOException io) {
        throw new DatasetException(file, "cannot lock the cache folder for the download: " + io, io);
      }
      throw (RuntimeException) e;
    }
  }

  @Override
  public void close() {
    try {
      lock.release();
      channel.close();
    } catch (IOException e) {
      throw new DatasetException(file, "cannot release the cache folder's lock: " + e, e);
    } finally {
      threads.unlock();
    }
  }
}
