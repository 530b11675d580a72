package dev.spinal.datasets;

import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;
import java.util.Arrays;
import java.util.List;

/**
 * An in-memory, immutable image classification split: {@code size()} images of
 * {@code height() x width() x channels()} unsigned bytes in NHWC order (row-major, channels last), one int label in
 * {@code [0, numClasses())} per image, and the class names.
 *
 * <p>Pixels live in large byte arrays (several when the split exceeds 1 GiB); {@link #subset} returns a view that
 * shares them, so carving a validation split or a test subset copies no pixels. Read pixels with
 * {@link #copyImage}, {@link #image} or {@link #pixel}; feed batches with {@link BatchStream}.
 */
public final class ImageDataset {
  private static final int MAX_CHUNK_BYTES = 1 << 30;

  private final String name;
  private final int height;
  private final int width;
  private final int channels;
  private final int imageBytes;
  private final byte[][] chunks;
  private final int imagesPerChunk;
  private final int[] storeLabels;
  /** View index -> storage index; null means the identity. */
  private final int[] index;
  private final int size;
  private final ImmutableList<String> classNames;

  private ImageDataset(String name, int height, int width, int channels, byte[][] chunks, int imagesPerChunk,
      int[] storeLabels, int[] index, List<String> classNames) {
    this.name = name;
    this.height = height;
    this.width = width;
    this.channels = channels;
    this.imageBytes = height * width * channels;
    this.chunks = chunks;
    this.imagesPerChunk = imagesPerChunk;
    this.storeLabels = storeLabels;
    this.index = index;
    this.size = index == null ? storeLabels.length : index.length;
    this.classNames = ImmutableList.copyOf(classNames);
  }

  /**
   * Wraps {@code pixels} (NHWC uint8, length {@code n*h*w*c}) without copying.
   *
   * @throws IllegalArgumentException if the lengths disagree or a label is outside {@code [0, classNames.size())}
   */
  public static ImageDataset of(String name, byte[] pixels, int height, int width, int channels, int[] labels,
      List<String> classNames) {
    Preconditions.checkArgument(height > 0 && width > 0 && channels > 0, "bad image shape %sx%sx%s", height, width,
        channels);
    long expected = (long) labels.length * height * width * channels;
    Preconditions.checkArgument(pixels.length == expected, "%s: %s pixel bytes for %s images of %sx%sx%s (expected %s)",
        name, pixels.length, labels.length, height, width, channels, expected);
    checkLabels(name, labels, classNames.size());
    return new ImageDataset(name, height, width, channels, new byte[][] {pixels}, Math.max(1, labels.length),
        labels, null, classNames);
  }

  /** A builder that appends images one by one, for sources too large for one array (image folders). */
  public static Builder builder(String name, int height, int width, int channels, List<String> classNames,
      int capacity) {
    return new Builder(name, height, width, channels, classNames, capacity);
  }

  private static void checkLabels(String name, int[] labels, int numClasses) {
    for (int i = 0; i < labels.length; i++) {
      Preconditions.checkArgument(labels[i] >= 0 && labels[i] < numClasses,
          "%s: label %s of image %s is outside [0, %s)", name, labels[i], i, numClasses);
    }
  }

  /** Appends images into chunked storage; see {@link ImageDataset#builder}. */
  public static final class Builder {
    private final String name;
    private final int height;
    private final int width;
    private final int channels;
    private final List<String> classNames;
    private final int imageBytes;
    private final int perChunk;
    private final byte[][] chunks;
    private final int[] labels;
    private int count;

    private Builder(String name, int height, int width, int channels, List<String> classNames, int capacity) {
      this.name = name;
      this.height = height;
      this.width = width;
      this.channels = channels;
      this.classNames = classNames;
      this.imageBytes = height * width * channels;
      this.perChunk = Math.max(1, Math.min(capacity, MAX_CHUNK_BYTES / imageBytes));
      this.chunks = new byte[(capacity + perChunk - 1) / Math.max(1, perChunk)][];
      this.labels = new int[capacity];
    }

    /** Stores {@code pixels[offset .. offset + h*w*c)} as image number {@code i} with {@code label}. */
    public synchronized Builder set(int i, byte[] pixels, int offset, int label) {
      Preconditions.checkElementIndex(i, labels.length);
      int chunk = i / perChunk;
      if (chunks[chunk] == null) {
        int n = Math.min(perChunk, labels.length - chunk * perChunk);
        chunks[chunk] = new byte[n * imageBytes];
      }
      System.arraycopy(pixels, offset, chunks[chunk], (i % perChunk) * imageBytes, imageBytes);
      labels[i] = label;
      count++;
      return this;
    }

    public synchronized ImageDataset build() {
      Preconditions.checkState(count == labels.length, "%s: %s of %s images set", name, count, labels.length);
      checkLabels(name, labels, classNames.size());
      return new ImageDataset(name, height, width, channels, chunks, perChunk, labels, null, classNames);
    }
  }

  /** A descriptive name, e.g. {@code fashion-mnist/train}. */
  public String name() {
    return name;
  }

  /** Number of images. */
  public int size() {
    return size;
  }

  public int height() {
    return height;
  }

  public int width() {
    return width;
  }

  public int channels() {
    return channels;
  }

  /** Bytes per image: {@code height * width * channels}. */
  public int imageBytes() {
    return imageBytes;
  }

  public int numClasses() {
    return classNames.size();
  }

  /** Class names; label {@code k} is {@code classNames().get(k)}. */
  public List<String> classNames() {
    return classNames;
  }

  /** {@code [size, height, width, channels]}. */
  public long[] shape() {
    return new long[] {size, height, width, channels};
  }

  public int label(int i) {
    return storeLabels[storageIndex(i)];
  }

  /** A copy of all labels, in order. */
  public int[] labels() {
    int[] out = new int[size];
    for (int i = 0; i < size; i++) {
      out[i] = label(i);
    }
    return out;
  }

  /** Number of images per class: {@code counts[k]} images have label {@code k}. */
  public long[] countsPerClass() {
    long[] counts = new long[numClasses()];
    for (int i = 0; i < size; i++) {
      counts[label(i)]++;
    }
    return counts;
  }

  /** Copies image {@code i} (HWC, {@link #imageBytes()} bytes) into {@code dst} at {@code offset}. */
  public void copyImage(int i, byte[] dst, int offset) {
    int s = storageIndex(i);
    System.arraycopy(chunks[s / imagesPerChunk], (s % imagesPerChunk) * imageBytes, dst, offset, imageBytes);
  }

  /** A copy of image {@code i}, HWC uint8. */
  public byte[] image(int i) {
    byte[] out = new byte[imageBytes];
    copyImage(i, out, 0);
    return out;
  }

  /** The value 0..255 of one pixel channel. */
  public int pixel(int i, int y, int x, int c) {
    Preconditions.checkElementIndex(y, height);
    Preconditions.checkElementIndex(x, width);
    Preconditions.checkElementIndex(c, channels);
    int s = storageIndex(i);
    return chunks[s / imagesPerChunk][(s % imagesPerChunk) * imageBytes + (y * width + x) * channels + c] & 0xff;
  }

  /** The sum of all pixel values of image {@code i}; handy for checks against independently computed values. */
  public long pixelSum(int i) {
    int s = storageIndex(i);
    byte[] chunk = chunks[s / imagesPerChunk];
    int off = (s % imagesPerChunk) * imageBytes;
    long sum = 0;
    for (int k = 0; k < imageBytes; k++) {
      sum += chunk[off + k] & 0xff;
    }
    return sum;
  }

  /** A view of the images at {@code indices} (in that order), sharing pixel storage with this dataset. */
  public ImageDataset subset(String newName, int[] indices) {
    int[] mapped = new int[indices.length];
    for (int k = 0; k < indices.length; k++) {
      mapped[k] = storageIndex(indices[k]);
    }
    return new ImageDataset(newName, height, width, channels, chunks, imagesPerChunk, storeLabels, mapped,
        classNames);
  }

  /** The first {@code n} images (all of them if {@code n >= size()}). */
  public ImageDataset first(int n) {
    if (n >= size) {
      return this;
    }
    int[] idx = new int[n];
    Arrays.setAll(idx, k -> k);
    return subset(name, idx);
  }

  int storageIndex(int i) {
    Preconditions.checkElementIndex(i, size);
    return index == null ? i : index[i];
  }

  /** The array holding image {@code i}'s pixels; see {@link #offset}. For the batch builder's hot loop. */
  byte[] chunk(int i) {
    return chunks[storageIndex(i) / imagesPerChunk];
  }

  int offset(int i) {
    return (storageIndex(i) % imagesPerChunk) * imageBytes;
  }

  @Override
  public String toString() {
    return name + "[" + size + " x " + height + "x" + width + "x" + channels + ", " + numClasses() + " classes]";
  }
}
