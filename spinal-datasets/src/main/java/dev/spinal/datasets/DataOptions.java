package dev.spinal.datasets;

import com.google.common.base.Preconditions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * How {@link Datasets#load} finds, verifies and splits a dataset. Immutable; build with {@link #builder()}.
 *
 * <p>Where data is looked for, in order: {@link Builder#path explicit path} (authoritative: if set and
 * incomplete, loading fails) → the cache ({@link Builder#cacheDir}, else the {@code SPINAL_DATA} environment
 * variable, else {@code ~/.cache/spinal/datasets}), sub-folder per dataset → well-known system folders (Debian's
 * {@code /usr/share/datasets/fashion-mnist}) → a download into the cache, if {@link Builder#allowDownload allowed}.
 *
 * <p>Validation: a deterministic split carved from the published training set (never from test), stratified by
 * class by default (every class keeps its share, to within one image), or uniformly at random; both seeded by
 * {@link Builder#seed}. Bird-225 ships its own {@code valid/} folder, which is used instead. Caltech-101 has no
 * published split: a seeded stratified test split ({@link Builder#testFraction}, default 0.2) is carved first.
 */
public final class DataOptions {
  /** How the validation split is drawn from the training set. */
  public enum ValidationSplit {
    /** Per class, the same fraction (largest-remainder rounding), seeded. */
    STRATIFIED,
    /** A seeded uniform random subset. */
    RANDOM
  }

  /** Which rows of QMNIST's 60,000-row test file form the test split. */
  public enum QmnistTest {
    /** All 60,000 rows (torchvision's {@code what="test"}). */
    TEST,
    /** The first 10,000 rows: MNIST's own test set, reconstructed. */
    TEST10K,
    /** The remaining 50,000 rows: the "lost" MNIST test digits. */
    TEST50K
  }

  private final Path path;
  private final Path cacheDir;
  private final boolean allowDownload;
  private final double validationFraction;
  private final int validationSize;
  private final ValidationSplit validationSplit;
  private final long seed;
  private final int limit;
  private final int imageHeight;
  private final int imageWidth;
  private final int channels;
  private final boolean skipBadFiles;
  private final boolean verifyChecksums;
  private final boolean includeClutter;
  private final QmnistTest qmnistTest;
  private final double testFraction;
  private final boolean progress;
  private final List<Path> systemLocations;
  private final String baseUrl;
  private final int downloadAttempts;
  private final Duration retryBackoff;

  private DataOptions(Builder b) {
    this.path = b.path;
    this.cacheDir = b.cacheDir != null ? b.cacheDir : defaultCacheDir();
    this.allowDownload = b.allowDownload;
    this.validationFraction = b.validationFraction;
    this.validationSize = b.validationSize;
    this.validationSplit = b.validationSplit;
    this.seed = b.seed;
    this.limit = b.limit;
    this.imageHeight = b.imageHeight;
    this.imageWidth = b.imageWidth;
    this.channels = b.channels;
    this.skipBadFiles = b.skipBadFiles;
    this.verifyChecksums = b.verifyChecksums;
    this.includeClutter = b.includeClutter;
    this.qmnistTest = b.qmnistTest;
    this.testFraction = b.testFraction;
    this.progress = b.progress;
    this.systemLocations = b.systemLocations;
    this.baseUrl = b.baseUrl;
    this.downloadAttempts = b.downloadAttempts;
    this.retryBackoff = b.retryBackoff;
  }

  /** {@code $SPINAL_DATA}, else {@code ~/.cache/spinal/datasets}. */
  public static Path defaultCacheDir() {
    String env = System.getenv("SPINAL_DATA");
    if (env != null && !env.isBlank()) {
      return Path.of(env);
    }
    return Path.of(System.getProperty("user.home"), ".cache", "spinal", "datasets");
  }

  public static DataOptions defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    Builder b = new Builder();
    b.path = path;
    b.cacheDir = cacheDir;
    b.allowDownload = allowDownload;
    b.validationFraction = validationFraction;
    b.validationSize = validationSize;
    b.validationSplit = validationSplit;
    b.seed = seed;
    b.limit = limit;
    b.imageHeight = imageHeight;
    b.imageWidth = imageWidth;
    b.channels = channels;
    b.skipBadFiles = skipBadFiles;
    b.verifyChecksums = verifyChecksums;
    b.includeClutter = includeClutter;
    b.qmnistTest = qmnistTest;
    b.testFraction = testFraction;
    b.progress = progress;
    b.systemLocations = systemLocations;
    b.baseUrl = baseUrl;
    b.downloadAttempts = downloadAttempts;
    b.retryBackoff = retryBackoff;
    return b;
  }

  public Optional<Path> path() {
    return Optional.ofNullable(path);
  }

  public Path cacheDir() {
    return cacheDir;
  }

  public boolean allowDownload() {
    return allowDownload;
  }

  public double validationFraction() {
    return validationFraction;
  }

  /** Absolute validation size, or -1 to use {@link #validationFraction()}. */
  public int validationSize() {
    return validationSize;
  }

  public ValidationSplit validationSplit() {
    return validationSplit;
  }

  public long seed() {
    return seed;
  }

  /** Keep only the first N images of each published split (-1: all). For fast tests and smoke runs. */
  public int limit() {
    return limit;
  }

  /**
   * Height image-folder datasets (and a user's own data, see {@link DataSource}) are resized to when loaded, or -1
   * for the dataset's default (a user's image files: the first image's size; arrays: their own).
   */
  public int imageHeight() {
    return imageHeight;
  }

  public int imageWidth() {
    return imageWidth;
  }

  /**
   * Channels a user's own images are converted to: 1 (grayscale, ITU-R 601 luma) or 3 (RGB), or -1 for the
   * source's default (image files: 3, as Keras' {@code color_mode="rgb"}; IDX and NumPy arrays: their own).
   */
  public int channels() {
    return channels;
  }

  /**
   * For a user's image files (folders, CSV lists): leave out files that are corrupt or not images, log how many,
   * and list them in {@link DatasetInfo#skippedFiles()}; otherwise the first such file fails the load.
   */
  public boolean skipBadFiles() {
    return skipBadFiles;
  }

  /**
   * Check the registry datasets' files against their published checksums (default). A user's own files
   * ({@link DataSource}) have no published checksum and are never checked.
   */
  public boolean verifyChecksums() {
    return verifyChecksums;
  }

  public boolean includeClutter() {
    return includeClutter;
  }

  public QmnistTest qmnistTest() {
    return qmnistTest;
  }

  public double testFraction() {
    return testFraction;
  }

  public boolean progress() {
    return progress;
  }

  /** System folders to search, or null for the registry's (Debian's) defaults. */
  public List<Path> systemLocations() {
    return systemLocations;
  }

  /** If set, downloads come from {@code baseUrl + fileName} instead of the registry's URLs (a mirror). */
  public Optional<String> baseUrl() {
    return Optional.ofNullable(baseUrl);
  }

  public int downloadAttempts() {
    return downloadAttempts;
  }

  public Duration retryBackoff() {
    return retryBackoff;
  }

  /** Mutable builder for {@link DataOptions}. */
  public static final class Builder {
    private Path path;
    private Path cacheDir;
    private boolean allowDownload = true;
    private double validationFraction = 0.1;
    private int validationSize = -1;
    private ValidationSplit validationSplit = ValidationSplit.STRATIFIED;
    private long seed = 0;
    private int limit = -1;
    private int imageHeight = -1;
    private int imageWidth = -1;
    private int channels = -1;
    private boolean skipBadFiles = false;
    private boolean verifyChecksums = true;
    private boolean includeClutter = false;
    private QmnistTest qmnistTest = QmnistTest.TEST;
    private double testFraction = 0.2;
    private boolean progress = true;
    private List<Path> systemLocations;
    private String baseUrl;
    private int downloadAttempts = 4;
    private Duration retryBackoff = Duration.ofSeconds(1);

    private Builder() {}

    /** A folder that holds the dataset's files (or an archive's extracted tree); searched up to 3 levels deep. */
    public Builder path(Path path) {
      this.path = path;
      return this;
    }

    public Builder cacheDir(Path cacheDir) {
      this.cacheDir = cacheDir;
      return this;
    }

    public Builder allowDownload(boolean allow) {
      this.allowDownload = allow;
      return this;
    }

    /** Fraction of the training set held out for validation, in [0, 1). Default 0.1. */
    public Builder validationFraction(double fraction) {
      Preconditions.checkArgument(fraction >= 0 && fraction < 1, "validationFraction must be in [0, 1): %s",
          fraction);
      this.validationFraction = fraction;
      this.validationSize = -1;
      return this;
    }

    /** Absolute number of training images held out for validation (overrides the fraction). */
    public Builder validationSize(int size) {
      Preconditions.checkArgument(size >= 0, "validationSize must be >= 0: %s", size);
      this.validationSize = size;
      return this;
    }

    public Builder validationSplit(ValidationSplit split) {
      this.validationSplit = split;
      return this;
    }

    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** Keep only the first {@code n} images of each published split. */
    public Builder limit(int n) {
      Preconditions.checkArgument(n > 0 || n == -1, "limit must be positive (or -1 for none): %s", n);
      this.limit = n;
      return this;
    }

    /** Size image-folder datasets are resized to when decoded (defaults: 230x230, Fruits-360 100x100). */
    public Builder imageSize(int height, int width) {
      Preconditions.checkArgument(height > 0 && width > 0, "image size must be positive: %sx%s", height, width);
      this.imageHeight = height;
      this.imageWidth = width;
      return this;
    }

    /** 1 (grayscale) or 3 (RGB): what a user's own images are converted to; see {@link DataOptions#channels()}. */
    public Builder channels(int channels) {
      Preconditions.checkArgument(channels == 1 || channels == 3 || channels == -1,
          "channels must be 1 (grayscale) or 3 (RGB), got %s", channels);
      this.channels = channels;
      return this;
    }

    /** Skip (and count) a user's image files that cannot be decoded; see {@link DataOptions#skipBadFiles()}. */
    public Builder skipBadFiles(boolean skip) {
      this.skipBadFiles = skip;
      return this;
    }

    public Builder verifyChecksums(boolean verify) {
      this.verifyChecksums = verify;
      return this;
    }

    /** Caltech-101: keep the {@code BACKGROUND_Google} clutter class (excluded by default). */
    public Builder includeClutter(boolean include) {
      this.includeClutter = include;
      return this;
    }

    public Builder qmnistTest(QmnistTest which) {
      this.qmnistTest = which;
      return this;
    }

    /**
     * Caltech-101, and a user's data that has no test split of its own: fraction of each class held out as the test
     * split (seeded, stratified). Default 0.2.
     */
    public Builder testFraction(double fraction) {
      Preconditions.checkArgument(fraction > 0 && fraction < 1, "testFraction must be in (0, 1): %s", fraction);
      this.testFraction = fraction;
      return this;
    }

    /** Show a progress bar on stderr while downloading. Default true. */
    public Builder progress(boolean show) {
      this.progress = show;
      return this;
    }

    /** Replaces the system folders searched after the cache (empty list: none). */
    public Builder systemLocations(List<Path> locations) {
      this.systemLocations = List.copyOf(locations);
      return this;
    }

    /** Download from {@code baseUrl + fileName} (a mirror) instead of the publishers' URLs. */
    public Builder baseUrl(String baseUrl) {
      this.baseUrl = baseUrl;
      return this;
    }

    /** Attempts per URL before giving up (default 4), and the first pause between them (doubled each time). */
    public Builder retries(int attempts, Duration backoff) {
      Preconditions.checkArgument(attempts >= 1, "attempts must be >= 1: %s", attempts);
      this.downloadAttempts = attempts;
      this.retryBackoff = backoff;
      return this;
    }

    public DataOptions build() {
      return new DataOptions(this);
    }
  }
}
