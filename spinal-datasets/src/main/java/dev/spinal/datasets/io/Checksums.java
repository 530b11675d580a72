package dev.spinal.datasets.io;

import dev.spinal.datasets.DatasetException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/** Digests of files and of their decompressed payloads, as lowercase hex. */
public final class Checksums {
  private Checksums() {}

  /** {@code "SHA-256"}, {@code "MD5"}, ... as understood by {@link MessageDigest}. */
  public static MessageDigest newDigest(String algorithm) {
    try {
      return MessageDigest.getInstance(algorithm.toUpperCase(Locale.ROOT));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalArgumentException("unknown digest algorithm " + algorithm, e);
    }
  }

  /** The digest of the file's bytes as stored. */
  public static String ofFile(Path file, String algorithm) {
    try (InputStream in = Files.newInputStream(file)) {
      return of(in, algorithm);
    } catch (IOException e) {
      throw new DatasetException(file, "cannot read for checksum: " + e, e);
    }
  }

  /** The digest of the file's payload: gunzipped if it is gzip-compressed, else as stored. */
  public static String ofPayload(Path file, String algorithm) {
    try (InputStream in = IdxReader.open(file)) {
      return of(in, algorithm);
    } catch (IOException e) {
      throw new DatasetException(file, "cannot read for checksum: " + e, e);
    }
  }

  public static String of(InputStream in, String algorithm) throws IOException {
    MessageDigest md = newDigest(algorithm);
    byte[] buf = new byte[1 << 16];
    int n;
    while ((n = in.read(buf)) > 0) {
      md.update(buf, 0, n);
    }
    return HexFormat.of().formatHex(md.digest());
  }

  public static String of(byte[] data, String algorithm) {
    return HexFormat.of().formatHex(newDigest(algorithm).digest(data));
  }
}
