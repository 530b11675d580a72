package dev.spinal.train;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * One process at a time in a run folder (or an ablation's folder): an exclusive operating-system lock on the folder's
 * {@value #FILE}, held while the process trains there. Two processes in one folder would interleave their checkpoints
 * and {@code metrics.jsonl}, and a {@code --resume} would clean up the other's half-written checkpoint; the second
 * process gets a {@link RunFolderBusyException} naming the first, before it writes anything.
 *
 * <p>The operating system releases the lock when its process ends, however it ends: a crash or {@code kill -9}
 * leaves no stale lock to clear by hand. The file stays (deleting it would let a process that opened it just before
 * lock a file no one else sees) and says who held it last. Within one JVM a second lock on the same folder is
 * refused the same way.
 */
public final class RunFolderLock implements AutoCloseable {

  /** The lock file, in the locked folder. */
  public static final String FILE = ".lock";

  private final Path folder;
  private final FileChannel channel;
  private final FileLock lock;

  private RunFolderLock(Path folder, FileChannel channel, FileLock lock) {
    this.folder = folder;
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * Locks {@code folder} (created if missing) for this process, recording {@code activity} ("training", "an
   * ablation") and the process id in the lock file for the message another process would get.
   *
   * @throws RunFolderBusyException when another process (or another fit in this one) holds the folder
   * @throws UncheckedIOException naming the folder when it cannot be created or its lock file opened
   */
  public static RunFolderLock acquire(Path folder, String activity) {
    Path file = folder.resolve(FILE);
    FileChannel channel;
    try {
      Files.createDirectories(folder);
      channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot lock " + folder + " (" + file.getFileName() + "): " + e.getMessage(), e);
    }
    try {
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null; // this JVM holds it already
      }
      if (lock == null) {
        String holder = read(channel);
        channel.close();
        throw new RunFolderBusyException(folder, holder);
      }
      byte[] description = String.format("pid %d, %s, since %s%n", ProcessHandle.current().pid(), activity,
          Instant.now().truncatedTo(ChronoUnit.SECONDS)).getBytes(UTF_8);
      channel.truncate(0);
      channel.write(ByteBuffer.wrap(description), 0);
      channel.force(false);
      return new RunFolderLock(folder, channel, lock);
    } catch (IOException e) {
      closeQuietly(channel, e);
      throw new UncheckedIOException("cannot lock " + folder + " (" + file.getFileName() + "): " + e.getMessage(), e);
    }
  }

  /** What the holder wrote (one line), or "" when it wrote nothing yet. */
  private static String read(FileChannel channel) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(channel.size(), 1024));
    channel.read(buffer, 0);
    return new String(buffer.array(), 0, buffer.position(), UTF_8).strip();
  }

  private static void closeQuietly(FileChannel channel, IOException failure) {
    try {
      channel.close();
    } catch (IOException e) {
      failure.addSuppressed(e);
    }
  }

  public Path folder() {
    return folder;
  }

  /** Releases the lock (the file stays). */
  @Override
  public void close() {
    try {
      lock.release();
      channel.close();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot release the lock on " + folder + ": " + e.getMessage(), e);
    }
  }

  /** Another process, or another fit in this one, holds the folder. */
  public static final class RunFolderBusyException extends IllegalStateException {
    private static final long serialVersionUID = 1L;
    private final transient Path folder;

    RunFolderBusyException(Path folder, String holder) {
      super(folder + " is in use by another process" + (holder.isEmpty() ? "" : " (" + holder + ")") + ": wait for"
          + " it to end, or stop it, then try again; or use another folder");
      this.folder = folder;
    }

    public Path folder() {
      return folder;
    }
  }
}
