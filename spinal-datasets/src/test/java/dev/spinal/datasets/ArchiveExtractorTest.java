package dev.spinal.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spinal.datasets.download.Resolver;
import dev.spinal.datasets.io.ArchiveExtractor;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArchiveExtractorTest {
  @TempDir Path dir;

  Path tarGz(String name, String... entries) throws IOException {
    Path p = dir.resolve(name);
    try (OutputStream raw = Files.newOutputStream(p);
        GZIPOutputStream gz = new GZIPOutputStream(raw);
        TarArchiveOutputStream tar = new TarArchiveOutputStream(gz)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      for (String e : entries) {
        if (e.startsWith("link:")) {
          TarArchiveEntry l = new TarArchiveEntry(e.substring(5), TarArchiveEntry.LF_SYMLINK);
          l.setLinkName("/etc/passwd");
          tar.putArchiveEntry(l);
          tar.closeArchiveEntry();
          continue;
        }
        byte[] data = ("content of " + e).getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry t = new TarArchiveEntry(e);
        t.setSize(data.length);
        tar.putArchiveEntry(t);
        tar.write(data);
        tar.closeArchiveEntry();
      }
    }
    return p;
  }

  @Test
  void extractsTarGzAndZip() throws IOException {
    Path t = tarGz("a.tar.gz", "stl10_binary/train_y.bin", "stl10_binary/class_names.txt");
    assertThat(ArchiveExtractor.extract(t, dir.resolve("out"))).isEqualTo(2);
    assertThat(Files.readString(dir.resolve("out/stl10_binary/train_y.bin")))
        .isEqualTo("content of stl10_binary/train_y.bin");
    Path z = dir.resolve("b.zip");
    try (ZipOutputStream zo = new ZipOutputStream(Files.newOutputStream(z))) {
      zo.putNextEntry(new ZipEntry("gzip/x.gz"));
      zo.write(1);
      zo.closeEntry();
    }
    assertThat(ArchiveExtractor.extract(z, dir.resolve("out2"))).isEqualTo(1);
    assertThat(Files.readAllBytes(dir.resolve("out2/gzip/x.gz"))).containsExactly(1);
  }

  @Test
  void refusesPathTraversal() throws IOException {
    Path t = tarGz("evil.tar.gz", "ok.txt", "../escaped.txt");
    Path out = dir.resolve("out");
    assertThatThrownBy(() -> ArchiveExtractor.extract(t, out)).isInstanceOf(DatasetException.class)
        .hasMessageContaining("evil.tar.gz").hasMessageContaining("'../escaped.txt'")
        .hasMessageContaining("outside");
    assertThat(Files.exists(dir.resolve("escaped.txt"))).isFalse();
  }

  @Test
  void refusesAbsolutePathsInZip() throws IOException {
    Path z = dir.resolve("abs.zip");
    try (ZipOutputStream zo = new ZipOutputStream(Files.newOutputStream(z))) {
      zo.putNextEntry(new ZipEntry("/tmp/spinal-absolute-test.txt"));
      zo.write(1);
      zo.closeEntry();
    }
    assertThatThrownBy(() -> ArchiveExtractor.extract(z, dir.resolve("out")))
        .hasMessageContaining("'/tmp/spinal-absolute-test.txt'").hasMessageContaining("absolute path");
  }

  @Test
  void refusesLinks() throws IOException {
    Path t = tarGz("link.tar.gz", "link:data/passwd");
    assertThatThrownBy(() -> ArchiveExtractor.extract(t, dir.resolve("out")))
        .hasMessageContaining("link entry 'data/passwd'");
  }

  @Test
  void refusedArchiveLeavesNothingVisibleInTheCacheFolder() throws IOException {
    Path t = tarGz("evil2.tar.gz", "stl10_binary/train_X.bin", "stl10_binary/../../x");
    Path folder = dir.resolve("cache/stl10");
    assertThatThrownBy(() -> Resolver.extractAtomically(t, folder)).isInstanceOf(DatasetException.class);
    try (var s = Files.list(folder)) {
      assertThat(s.toList()).isEmpty();
    }
  }
}
