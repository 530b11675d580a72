package dev.spinal.datasets.io;

import dev.spinal.datasets.DatasetException;
import dev.spinal.datasets.ImageDataset;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import javax.imageio.IIOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Reads "one sub-folder per class" image trees (Caltech-101, Bird-225, Fruits-360, torchvision's ImageFolder):
 * every regular, non-hidden file in a class folder must be an image that {@code javax.imageio} can decode (JPEG,
 * PNG, BMP, GIF); it is converted to RGB (grayscale replicated, alpha dropped, as PIL's {@code convert("RGB")}) and
 * resized to {@code height x width} with an antialiased bilinear (triangle) filter, as PIL's
 * {@code Resize((h, w))} does — the aspect ratio is not kept, as in the paper's scripts.
 *
 * <p>Classes are the sub-folder names in sorted order (label k = k-th name), as in torchvision. An empty class
 * folder, a file that is not an image, or a corrupt image fails with a {@link DatasetException} naming the file;
 * so does an image whose header announces more pixels than its file can hold ({@link #checkPixels}), before
 * anything is allocated for it.
 */
public final class ImageFolderReader {
  /** Files skipped silently: OS droppings, not data. */
  private static final Set<String> JUNK = Set.of("thumbs.db", "desktop.ini");

  static {
    ImageIO.setUseCache(false);
  }

  private ImageFolderReader() {}

  /** One image file and its class. */
  public record Entry(Path file, int label) {}

  /** The class folders under {@code root}, sorted, minus {@code exclude}. */
  public static List<String> classNames(Path root, Collection<String> exclude) {
    if (!Files.isDirectory(root)) {
      throw new DatasetException(root, "not a folder (expected one sub-folder per class)");
    }
    try (Stream<Path> s = Files.list(root)) {
      List<String> names = s.filter(Files::isDirectory).map(p -> p.getFileName().toString())
          .filter(n -> !n.startsWith(".") && !exclude.contains(n)).sorted().toList();
      if (names.isEmpty()) {
        throw new DatasetException(root, "no class sub-folders");
      }
      return names;
    } catch (IOException e) {
      throw new DatasetException(root, "cannot list: " + e, e);
    }
  }

  /** All image files of the given classes under {@code root}, class by class, files sorted by name. */
  public static List<Entry> scan(Path root, List<String> classNames) {
    List<Entry> entries = new ArrayList<>();
    for (int label = 0; label < classNames.size(); label++) {
      Path dir = root.resolve(classNames.get(label));
      if (!Files.isDirectory(dir)) {
        throw new DatasetException(dir, "class folder missing (other splits have class '" + classNames.get(label)
            + "')");
      }
      List<Path> files;
      try (Stream<Path> s = Files.list(dir)) {
        files = s.filter(Files::isRegularFile).filter(p -> !isJunk(p))
            .sorted(Comparator.comparing(p -> p.getFileName().toString())).toList();
      } catch (IOException e) {
        throw new DatasetException(dir, "cannot list: " + e, e);
      }
      if (files.isEmpty()) {
        throw new DatasetException(dir, "empty class folder: no image files");
      }
      for (Path f : files) {
        entries.add(new Entry(f, label));
      }
    }
    return entries;
  }

  private static boolean isJunk(Path p) {
    String n = p.getFileName().toString();
    return n.startsWith(".") || JUNK.contains(n.toLowerCase(Locale.ROOT));
  }

  /**
   * Decodes and resizes every entry, in parallel on all cores, into an {@link ImageDataset} of
   * {@code [entries.size(), height, width, 3]}; the first file that cannot be decoded fails the load.
   */
  public static ImageDataset load(String name, List<Entry> entries, List<String> classNames, int height,
      int width) {
    return load(name, entries, classNames, height, width, 3, false).dataset();
  }

  /** What {@link #load(String, List, List, int, int, int, boolean)} decoded, and the files it skipped. */
  public record Decoded(ImageDataset dataset, List<Path> skipped) {}

  /**
   * Decodes every entry, in parallel on all cores, into {@code [n, height, width, channels]} ({@code channels} 1:
   * grayscale, 3: RGB). With {@code skipBadFiles}, a file that is corrupt or not an image is left out and listed in
   * {@link Decoded#skipped()} (in entry order); without it, the first such file fails the load with an exception
   * naming it.
   */
  public static Decoded load(String name, List<Entry> entries, List<String> classNames, int height, int width,
      int channels, boolean skipBadFiles) {
    if (entries.isEmpty()) {
      throw new DatasetException(name + ": no image files");
    }
    ImageDataset.Builder builder = ImageDataset.builder(name, height, width, channels, classNames,
        entries.size());
    AtomicReference<RuntimeException> failure = new AtomicReference<>();
    boolean[] bad = new boolean[entries.size()];
    byte[] blank = new byte[height * width * channels];
    IntStream.range(0, entries.size()).parallel().forEach(i -> {
      if (failure.get() != null) {
        return;
      }
      Entry e = entries.get(i);
      try {
        builder.set(i, decode(e.file(), height, width, channels), 0, e.label());
      } catch (DatasetException ex) {
        if (!skipBadFiles) {
          failure.compareAndSet(null, ex);
          return;
        }
        bad[i] = true;
        builder.set(i, blank, 0, 0); // a placeholder the view below leaves out
      } catch (RuntimeException ex) {
        failure.compareAndSet(null, ex);
      }
    });
    if (failure.get() != null) {
      throw failure.get();
    }
    ImageDataset all = builder.build();
    List<Path> skipped = new ArrayList<>();
    int[] kept = IntStream.range(0, entries.size()).filter(i -> !bad[i]).toArray();
    for (int i = 0; i < entries.size(); i++) {
      if (bad[i]) {
        skipped.add(entries.get(i).file());
      }
    }
    return new Decoded(skipped.isEmpty() ? all : all.subset(name, kept), List.copyOf(skipped));
  }

  /**
   * Decodes one image file and resizes it to {@code [height, width, channels]} HWC uint8: converted to RGB first
   * (see the class comment), resized, then to luma for {@code channels == 1}.
   */
  public static byte[] decode(Path file, int height, int width, int channels) {
    if (channels != 1 && channels != 3) {
      throw new IllegalArgumentException("channels must be 1 (grayscale) or 3 (RGB), got " + channels);
    }
    return Pixels.convert(decodeRgb(file, height, width), height, width, 3, channels);
  }

  /**
   * The most pixels an image may have: PIL's decompression-bomb limit (twice {@code Image.MAX_IMAGE_PIXELS}, where
   * PIL refuses to open an image). About 0.7 GB once decoded.
   */
  public static final long MAX_PIXELS = 178_956_970L;

  /**
   * The {@code [height, width]} of an image file, read from its header without decoding the pixels.
   *
   * @throws DatasetException naming the file if no decoder recognises it, or its header announces more pixels than
   *     the file can hold ({@link #checkPixels})
   */
  public static int[] size(Path file) {
    try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
      ImageReader reader = reader(file, in);
      try {
        return checkPixels(file, reader, Files.size(file));
      } finally {
        reader.dispose();
      }
    } catch (IOException | RuntimeException e) {
      if (e instanceof DatasetException d) {
        throw d;
      }
      throw new DatasetException(file, "corrupt image: " + rootMessage(e), e);
    }
  }

  private static ImageReader reader(Path file, ImageInputStream in) {
    Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
    if (readers == null || !readers.hasNext()) {
      throw new DatasetException(file, "not an image (no JPEG/PNG/BMP/GIF decoder recognises it)");
    }
    ImageReader reader = readers.next();
    reader.setInput(in, true, true);
    return reader;
  }

  /**
   * The header's {@code [height, width]}, checked before a decoder allocates the image: a corrupt size field would
   * otherwise reserve gigabytes for a file of a few hundred bytes. Refused: more than {@link #MAX_PIXELS}, and more
   * pixels than a complete file of this size can encode — PNG at most 8 pixels per byte (1-bit) times deflate's
   * ratio of about 1032:1; JPEG at most 512 pixels per byte (at least one bit per 8x8 block).
   */
  static int[] checkPixels(Path file, ImageReader reader, long bytes) throws IOException {
    int h = reader.getHeight(0);
    int w = reader.getWidth(0);
    long pixels = (long) h * w;
    if (h <= 0 || w <= 0) {
      throw new DatasetException(file, "corrupt image: the header announces " + w + "x" + h + " pixels");
    }
    if (pixels > MAX_PIXELS) {
      throw new DatasetException(file, "the header announces " + w + "x" + h + " pixels, more than the "
          + MAX_PIXELS + " Spinal decodes (a corrupt header, or a decompression bomb); resize the image first");
    }
    String format = reader.getFormatName().toLowerCase(Locale.ROOT);
    long perByte = switch (format) {
      case "png" -> 8 * 1032;
      case "jpeg", "jpg" -> 512;
      default -> Long.MAX_VALUE;
    };
    if (perByte != Long.MAX_VALUE && pixels > bytes * perByte) {
      throw new DatasetException(file, "truncated or corrupt: the " + format.toUpperCase(Locale.ROOT)
          + " header announces " + w + "x" + h + " pixels, more than a file of " + bytes + " bytes can hold");
    }
    return new int[] {h, w};
  }

  /** Decodes one image file to RGB and resizes it: HWC uint8 {@code [height, width, 3]}. */
  public static byte[] decodeRgb(Path file, int height, int width) {
    BufferedImage img;
    try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
      ImageReader reader = reader(file, in);
      try {
        checkPixels(file, reader, Files.size(file));
        img = reader.read(0);
      } finally {
        reader.dispose();
      }
    } catch (DatasetException e) {
      throw e;
    } catch (IIOException e) {
      throw new DatasetException(file, "corrupt image: " + rootMessage(e), e);
    } catch (IOException | RuntimeException e) {
      throw new DatasetException(file, "cannot decode image: " + rootMessage(e), e);
    }
    return resized(img, file, height, width);
  }

  /**
   * Decodes an encoded image held in memory (the bytes of a JPEG, PNG, BMP or GIF file) exactly as
   * {@link #decode(Path, int, int, int)} decodes a file, with the same header checks ({@link #checkPixels}): HWC
   * uint8 {@code [height, width, channels]}.
   *
   * @param name what the bytes are (a file name, a row id), for the error message
   * @throws DatasetException naming {@code name} when the bytes are not a decodable image
   */
  public static byte[] decode(byte[] encoded, String name, int height, int width, int channels) {
    if (channels != 1 && channels != 3) {
      throw new IllegalArgumentException("channels must be 1 (grayscale) or 3 (RGB), got " + channels);
    }
    Path named = Path.of(name);
    BufferedImage img;
    try (ImageInputStream in = ImageIO.createImageInputStream(new java.io.ByteArrayInputStream(encoded))) {
      ImageReader reader = reader(named, in);
      try {
        checkPixels(named, reader, encoded.length);
        img = reader.read(0);
      } finally {
        reader.dispose();
      }
    } catch (DatasetException e) {
      throw e;
    } catch (IIOException e) {
      throw new DatasetException(named, "corrupt image: " + rootMessage(e), e);
    } catch (IOException | RuntimeException e) {
      throw new DatasetException(named, "cannot decode image: " + rootMessage(e), e);
    }
    return Pixels.convert(resized(img, named, height, width), height, width, 3, channels);
  }

  private static byte[] resized(BufferedImage img, Path file, int height, int width) {
    int w = img.getWidth();
    int h = img.getHeight();
    byte[] rgb = toRgb(img, file);
    return Resize.bilinearAntialiased(rgb, h, w, 3, height, width);
  }

  private static byte[] toRgb(BufferedImage img, Path file) {
    int w = img.getWidth();
    int h = img.getHeight();
    byte[] out = new byte[w * h * 3];
    Raster r = img.getRaster();
    int type = img.getType();
    try {
      if (type == BufferedImage.TYPE_BYTE_GRAY || type == BufferedImage.TYPE_USHORT_GRAY) {
        // getRGB() would push gray through a linear->sRGB conversion and brighten it; PIL just replicates.
        int shift = type == BufferedImage.TYPE_USHORT_GRAY ? 8 : 0;
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
          r.getSamples(0, y, w, 1, 0, row);
          for (int x = 0; x < w; x++) {
            byte v = (byte) (row[x] >> shift);
            int o = (y * w + x) * 3;
            out[o] = v;
            out[o + 1] = v;
            out[o + 2] = v;
          }
        }
      } else {
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
          img.getRGB(0, y, w, 1, row, 0, w);
          for (int x = 0; x < w; x++) {
            int p = row[x];
            int o = (y * w + x) * 3;
            out[o] = (byte) (p >> 16);
            out[o + 1] = (byte) (p >> 8);
            out[o + 2] = (byte) p;
          }
        }
      }
    } catch (RuntimeException e) {
      throw new DatasetException(file, "cannot convert image to RGB: " + e, e);
    }
    return out;
  }

  private static String rootMessage(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null && c.getCause() != c) {
      c = c.getCause();
    }
    return c == t ? String.valueOf(t.getMessage()) : t.getMessage() + " (" + c.getMessage() + ")";
  }
}
