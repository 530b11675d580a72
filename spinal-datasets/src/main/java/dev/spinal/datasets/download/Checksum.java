package dev.spinal.datasets.download;

import java.util.Locale;

/**
 * A published digest: algorithm ({@code MD5}, {@code SHA-256}), lowercase hex value, and where the value comes
 * from (so that a reader can check it).
 */
public record Checksum(String algorithm, String hex, String source) {
  public Checksum {
    algorithm = algorithm.toUpperCase(Locale.ROOT);
    hex = hex.toLowerCase(Locale.ROOT);
  }

  public static Checksum md5(String hex, String source) {
    return new Checksum("MD5", hex, source);
  }

  public static Checksum sha256(String hex, String source) {
    return new Checksum("SHA-256", hex, source);
  }

  public boolean matches(String actualHex) {
    return hex.equalsIgnoreCase(actualHex);
  }

  @Override
  public String toString() {
    return algorithm + ":" + hex;
  }
}
