package dev.spinal.datasets;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Seeded corruptions of a valid file's bytes, the damage a disk, a cut download or a careless edit does:
 * truncation, bit flips, bytes set to boundary values, a few bytes inserted or deleted, and a 4-byte field
 * overwritten with a boundary integer (big- or little-endian: where headers keep their lengths). Half of the
 * positions fall in the first 64 bytes, where the headers are, since that is where a reader's trust is tested.
 */
final class Corruptions {
  private static final int[] BYTES = {0x00, 0xff, 0x7f, 0x80, 0x01, 0xfe};
  private static final int[] INTS = {0, 1, -1, Integer.MAX_VALUE, Integer.MIN_VALUE, 0x40000000, 0x10000, 0xffff,
      255, 256, 0x01000000, 100_000};

  private Corruptions() {}

  /** The corrupted bytes and what was done to them (enough to read a failing case without replaying it). */
  record Corrupted(byte[] bytes, String description) {}

  /** One or (one time in four) two corruptions of a copy of {@code data}. */
  static Corrupted corrupt(byte[] data, Random r) {
    Corrupted c = once(data, r);
    if (r.nextInt(4) == 0) {
      Corrupted second = once(c.bytes(), r);
      c = new Corrupted(second.bytes(), c.description() + ", then " + second.description());
    }
    return c;
  }

  private static Corrupted once(byte[] data, Random r) {
    int len = data.length;
    if (len == 0) {
      byte[] one = {(byte) r.nextInt(256)};
      return new Corrupted(one, "one byte written into the empty file");
    }
    switch (r.nextInt(6)) {
      case 0: {
        int keep = r.nextBoolean() ? r.nextInt(Math.min(len, 80)) : r.nextInt(len);
        return new Corrupted(Arrays.copyOf(data, keep), "truncated to " + keep + " of " + len + " bytes");
      }
      case 1: {
        byte[] out = data.clone();
        List<String> what = new ArrayList<>();
        for (int k = 1 + r.nextInt(3); k > 0; k--) {
          int p = position(r, len);
          int bit = r.nextInt(8);
          out[p] ^= (byte) (1 << bit);
          what.add("bit " + bit + " of byte " + p);
        }
        return new Corrupted(out, "flipped " + String.join(", ", what));
      }
      case 2: {
        byte[] out = data.clone();
        List<String> what = new ArrayList<>();
        for (int k = 1 + r.nextInt(3); k > 0; k--) {
          int p = position(r, len);
          int v = r.nextInt(3) == 0 ? r.nextInt(256) : BYTES[r.nextInt(BYTES.length)];
          out[p] = (byte) v;
          what.add(String.format("byte %d = 0x%02x", p, v));
        }
        return new Corrupted(out, "set " + String.join(", ", what));
      }
      case 3: {
        int p = r.nextInt(len + 1);
        byte[] extra = new byte[1 + r.nextInt(8)];
        r.nextBytes(extra);
        byte[] out = new byte[len + extra.length];
        System.arraycopy(data, 0, out, 0, p);
        System.arraycopy(extra, 0, out, p, extra.length);
        System.arraycopy(data, p, out, p + extra.length, len - p);
        return new Corrupted(out, "inserted " + extra.length + " bytes at " + p);
      }
      case 4: {
        int p = position(r, len);
        int n = Math.min(1 + r.nextInt(8), len - p);
        byte[] out = new byte[len - n];
        System.arraycopy(data, 0, out, 0, p);
        System.arraycopy(data, p + n, out, p, len - p - n);
        return new Corrupted(out, "deleted " + n + " bytes at " + p);
      }
      default: {
        if (len < 4) {
          return once(data, r);
        }
        byte[] out = data.clone();
        int p = r.nextBoolean() ? 4 * r.nextInt(Math.min(len, 64) / 4) : r.nextInt(len - 3);
        p = Math.min(p, len - 4);
        int v = r.nextInt(4) == 0 ? r.nextInt() : INTS[r.nextInt(INTS.length)];
        ByteOrder order = r.nextBoolean() ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        ByteBuffer.wrap(out).order(order).putInt(p, v);
        return new Corrupted(out, String.format("int32 at %d = 0x%08x (%s)", p, v,
            order == ByteOrder.BIG_ENDIAN ? "big-endian" : "little-endian"));
      }
    }
  }

  private static int position(Random r, int len) {
    return r.nextBoolean() ? r.nextInt(Math.min(len, 64)) : r.nextInt(len);
  }
}
