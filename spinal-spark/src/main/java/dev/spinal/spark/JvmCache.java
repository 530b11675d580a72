package dev.spinal.spark;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One loaded model per JVM and key (a model folder), shared by every task and partition that runs in
 * the JVM (an executor), loaded on first use and closed when the JVM exits.
 *
 * <p>Why a JVM-wide cache: a task gets a fresh deserialized copy of its function, so a model held by
 * the function would be loaded per task (seconds, and native memory each time). Why the lock: closing
 * a TensorFlow session while another thread runs it is a native crash, and an executor's JVM may be
 * told to exit while tasks still run. A user holds a {@link Lease} (a read lock) around every call; the
 * shutdown hook takes the write lock, waiting at most 10 s, and closes the models only if it got it;
 * otherwise it leaves them to the process's exit, which frees native memory as well.
 *
 * <p>A load that fails is not cached: the next task tries again (and fails with the same message,
 * which names the folder), so Spark's task retries see the real error.
 */
final class JvmCache {

  private static final Logger log = LoggerFactory.getLogger(JvmCache.class);
  private static final Map<String, AutoCloseable> ENTRIES = new ConcurrentHashMap<>();
  private static final Map<String, java.util.concurrent.atomic.AtomicInteger> LOADS = new ConcurrentHashMap<>();
  private static final ReentrantReadWriteLock LOCK = new ReentrantReadWriteLock();
  private static volatile boolean hookAdded;

  private JvmCache() {}

  /** Loads a value that is closed at JVM exit. */
  @FunctionalInterface
  interface Loader<T extends AutoCloseable> {
    T load() throws Exception;
  }

  /** A cached value, in use until {@link #close()}. */
  static final class Lease<T> implements AutoCloseable {
    private final T value;
    private boolean released;

    private Lease(T value) {
      this.value = value;
    }

    T get() {
      return value;
    }

    @Override
    public void close() {
      if (!released) {
        released = true;
        LOCK.readLock().unlock();
      }
    }
  }

  /**
   * The value cached under {@code key}, loaded by {@code loader} on first use in this JVM; hold the
   * lease while using it.
   *
   * @throws RuntimeException what the loader threw (unchecked as is, checked ones wrapped)
   */
  @SuppressWarnings("unchecked")
  static <T extends AutoCloseable> Lease<T> acquire(String key, Loader<T> loader) {
    LOCK.readLock().lock();
    try {
      addHook();
      T value = (T) ENTRIES.computeIfAbsent(key, k -> {
        try {
          long start = System.nanoTime();
          T loaded = loader.load();
          LOADS.computeIfAbsent(k, x -> new java.util.concurrent.atomic.AtomicInteger()).incrementAndGet();
          log.info(String.format("loaded %s in %.1f s (once per JVM)", k, (System.nanoTime() - start) / 1e9));
          return loaded;
        } catch (RuntimeException e) {
          throw e;
        } catch (Exception e) {
          throw new IllegalStateException("cannot load " + k + ": " + e.getMessage(), e);
        }
      });
      return new Lease<>(value);
    } catch (RuntimeException | Error e) {
      LOCK.readLock().unlock();
      throw e;
    }
  }

  /** How many times this JVM loaded {@code key} (a test's view of "once per JVM"). */
  static int loads(String key) {
    var n = LOADS.get(key);
    return n == null ? 0 : n.get();
  }

  private static synchronized void addHook() {
    if (!hookAdded) {
      Runtime.getRuntime().addShutdownHook(new Thread(() -> closeAll(10_000), "spinal-models-close"));
      hookAdded = true;
    }
  }

  /**
   * Closes every cached value unless a user still holds one after {@code timeoutMillis} (the shutdown
   * hook waits 10 s; a later {@link #acquire} would load again).
   *
   * @return whether the values were closed
   */
  static boolean closeAll(long timeoutMillis) {
    boolean locked = false;
    try {
      locked = LOCK.writeLock().tryLock(timeoutMillis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (!locked) {
      return false; // a task still runs a model: closing it now would crash; the exit frees its memory
    }
    try {
      for (AutoCloseable value : ENTRIES.values()) {
        try {
          value.close();
        } catch (Exception e) {
          // at exit, a failing close must not keep the others open
        }
      }
      ENTRIES.clear();
      return true;
    } finally {
      LOCK.writeLock().unlock();
    }
  }
}
