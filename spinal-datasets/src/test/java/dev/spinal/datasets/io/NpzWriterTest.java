package dev.spinal.datasets.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpzWriterTest {

  @Test
  void writesNpyEntriesNumpyCanRead(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("a.npz");
    try (NpzWriter w = NpzWriter.create(file)) {
      w.putFloats("vgg5/block1_conv1/kernel", new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, -6.5f});
      w.putInts("labels", new long[] {3}, new int[] {7, 8, 9});
      w.putFloats("loss", new long[0], new float[] {0.25f});
    }
    try (ZipFile zip = new ZipFile(file.toFile())) {
      byte[] npy = zip.getInputStream(zip.getEntry("vgg5/block1_conv1/kernel.npy")).readAllBytes();
      assertThat(npy[0] & 0xff).isEqualTo(0x93);
      assertThat(new String(npy, 1, 5, StandardCharsets.US_ASCII)).isEqualTo("NUMPY");
      int headerLength = (npy[8] & 0xff) | (npy[9] & 0xff) << 8;
      assertThat((10 + headerLength) % 64).isZero();
      String header = new String(npy, 10, headerLength, StandardCharsets.US_ASCII);
      assertThat(header).startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }")
          .endsWith("\n");
      ByteBuffer data = ByteBuffer.wrap(npy, 10 + headerLength, 24).order(ByteOrder.LITTLE_ENDIAN);
      assertThat(data.getFloat(10 + headerLength + 20)).isEqualTo(-6.5f);

      String labels = header(zip.getInputStream(zip.getEntry("labels.npy")).readAllBytes());
      assertThat(labels).contains("'descr': '<i4'").contains("'shape': (3,)");
      String loss = header(zip.getInputStream(zip.getEntry("loss.npy")).readAllBytes());
      assertThat(loss).contains("'shape': ()");
    }
  }

  @Test
  void rejectsAShapeThatDoesNotHoldTheValues(@TempDir Path dir) throws Exception {
    try (NpzWriter w = NpzWriter.create(dir.resolve("b.npz"))) {
      assertThatThrownBy(() -> w.putFloats("x", new long[] {2, 2}, new float[3]))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("x: shape holds 4");
    }
  }

  private static String header(byte[] npy) {
    int headerLength = (npy[8] & 0xff) | (npy[9] & 0xff) << 8;
    return new String(npy, 10, headerLength, StandardCharsets.US_ASCII);
  }
}
