package dev.spinal.train;

import com.google.common.hash.Hashing;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.proto.Event;
import org.tensorflow.proto.Summary;

/**
 * Reads TensorBoard event files back: TFRecord files of {@code Event} protos, as {@link TensorBoardWriter} (TF's
 * summary ops) writes them. Both checksums of every record are verified. The last record of a file may be cut short
 * (a run killed while it wrote): reading stops there with a warning, as TensorBoard's does.
 */
public final class TensorBoardEvents {

  private static final Logger log = LoggerFactory.getLogger(TensorBoardEvents.class);
  private static final int MASK_DELTA = 0xa282ead8;

  private TensorBoardEvents() {}

  /**
   * Every scalar of the event files in {@code logDir} ({@code events.out.tfevents.*}, in name order): tag -> step ->
   * value; a step written twice keeps the later value. Empty when the folder holds no event file.
   *
   * @throws IOException naming the file and the byte offset of a record whose checksum does not match
   */
  public static Map<String, NavigableMap<Long, Double>> scalars(Path logDir) throws IOException {
    Map<String, NavigableMap<Long, Double>> scalars = new TreeMap<>();
    for (Event e : events(logDir)) {
      for (Summary.Value v : e.getSummary().getValueList()) {
        Double value = scalarOf(v);
        if (value != null) {
          scalars.computeIfAbsent(v.getTag(), t -> new TreeMap<>()).put(e.getStep(), value);
        }
      }
    }
    return scalars;
  }

  /** The events of every event file in {@code logDir}, file by file in name order (see {@link #read}). */
  public static List<Event> events(Path logDir) throws IOException {
    List<Event> events = new ArrayList<>();
    for (Path file : eventFiles(logDir)) {
      events.addAll(read(file));
    }
    return events;
  }

  /** The event files of {@code logDir} in name order (none when it does not exist). */
  public static List<Path> eventFiles(Path logDir) throws IOException {
    if (!Files.isDirectory(logDir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(logDir)) {
      return s.filter(p -> p.getFileName().toString().startsWith("events.out.tfevents")).sorted().toList();
    }
  }

  /**
   * The events of one file, in order.
   *
   * @throws IOException naming the file and offset of a record whose length or data checksum is wrong
   */
  public static List<Event> read(Path file) throws IOException {
    List<Event> events = new ArrayList<>();
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file));
        DataInputStream data = new DataInputStream(in)) {
      long offset = 0;
      byte[] header = new byte[12];
      while (true) {
        try {
          data.readFully(header);
        } catch (EOFException end) {
          if (offset < Files.size(file)) {
            log.warn("{}: the last record (at byte {}) is cut short; read the {} events before it", file, offset,
                events.size());
          }
          return events;
        }
        ByteBuffer h = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
        long length = h.getLong(0);
        if (h.getInt(8) != maskedCrc(header, 0, 8)) {
          throw new IOException(file + ": corrupt event record at byte " + offset + " (length checksum mismatch)");
        }
        if (length < 0 || length > Integer.MAX_VALUE - 16) {
          throw new IOException(file + ": corrupt event record at byte " + offset + " (length " + length + ")");
        }
        byte[] payload = new byte[(int) length];
        byte[] crc = new byte[4];
        try {
          data.readFully(payload);
          data.readFully(crc);
        } catch (EOFException end) {
          log.warn("{}: the last record (at byte {}) is cut short; read the {} events before it", file, offset,
              events.size());
          return events;
        }
        if (ByteBuffer.wrap(crc).order(ByteOrder.LITTLE_ENDIAN).getInt() != maskedCrc(payload, 0, payload.length)) {
          throw new IOException(file + ": corrupt event record at byte " + offset + " (data checksum mismatch)");
        }
        events.add(Event.parseFrom(payload));
        offset += 12 + length + 4;
      }
    }
  }

  /** A scalar summary's value: TF2's summary ops write it as a float tensor, TF1's as {@code simple_value}. */
  private static Double scalarOf(Summary.Value v) {
    if (v.hasTensor() && v.getTensor().getFloatValCount() == 1) {
      return (double) v.getTensor().getFloatVal(0);
    }
    if (v.hasTensor() && v.getTensor().getDtype() == org.tensorflow.proto.DataType.DT_FLOAT
        && v.getTensor().getTensorContent().size() == Float.BYTES) {
      return (double) v.getTensor().getTensorContent().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN)
          .getFloat();
    }
    if (v.getValueCase() == Summary.Value.ValueCase.SIMPLE_VALUE) {
      return (double) v.getSimpleValue();
    }
    return null;
  }

  /** TFRecord's checksum: CRC-32C, rotated right by 15 bits, plus a constant. */
  private static int maskedCrc(byte[] bytes, int from, int length) {
    int crc = Hashing.crc32c().hashBytes(bytes, from, length).asInt();
    return ((crc >>> 15) | (crc << 17)) + MASK_DELTA;
  }
}
