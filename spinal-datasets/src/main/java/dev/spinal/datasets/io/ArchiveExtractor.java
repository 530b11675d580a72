package dev.spinal.datasets.io;

import com.google.common.base.CharMatcher;
import dev.spinal.datasets.DatasetException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Locale;
import org.apache.commons.compress.archivers.ArchiveEntry;
import org.apache.commons.compress.archivers.ArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveInputStream;

/**
 * Extracts {@code .tar}, {@code .tar.gz}/{@code .tgz} and {@code .zip} archives. Refuses, naming the entry, any
 * entry with an absolute path, any entry whose path would land outside the target folder ({@code ../}), and any
 * symbolic or hard link (a link could point outside the target and make later writes escape it).
 */
public final class ArchiveExtractor {
  private ArchiveExtractor() {}

  /** True if the file name looks like an archive this class extracts. */
  public static boolean isArchive(Path file) {
    String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
    return n.endsWith(".tar.gz") || n.endsWith(".tgz") || n.endsWith(".tar") || n.endsWith(".zip");
  }

  /** Extracts {@code archive} into {@code target} (created if needed); returns the number of files written. */
  public static int extract(Path archive, Path target) {
    String n = archive.getFileName().toString().toLowerCase(Locale.ROOT);
    try {
      Files.createDirectories(target);
      Path root = target.toAbsolutePath().normalize();
      try (InputStream raw = new BufferedInputStream(Files.newInputStream(archive), 1 << 16)) {
        if (n.endsWith(".zip")) {
          try (ZipArchiveInputStream zin = new ZipArchiveInputStream(raw)) {
            return copyEntries(archive, zin, root);
          }
        }
        InputStream in = n.endsWith(".tar") ? raw : IdxReader.open(archive);
        try (TarArchiveInputStream tin = new TarArchiveInputStream(in)) {
          return copyEntries(archive, tin, root);
        }
      }
    } catch (DatasetException e) {
      throw e;
    } catch (IOException e) {
      throw new DatasetException(archive, "cannot extract (truncated or corrupt archive?): " + e, e);
    }
  }

  private static int copyEntries(Path archive, ArchiveInputStream<? extends ArchiveEntry> in, Path root)
      throws IOException {
    int files = 0;
    ArchiveEntry e;
    while ((e = in.getNextEntry()) != null) {
      String name = e.getName();
      if (isLink(e)) {
        throw new DatasetException(archive, "refusing link entry '" + name + "' (links are not extracted)");
      }
      if (name.startsWith("/") || name.startsWith("\\") || name.matches("^[A-Za-z]:.*")) {
        throw new DatasetException(archive, "refusing entry '" + name + "' with an absolute path");
      }
      Path dest;
      try {
        dest = root.resolve(name).normalize();
      } catch (InvalidPathException ex) {
        throw new DatasetException(archive, "refusing entry '" + CharMatcher.javaIsoControl().replaceFrom(name, '?')
            + "': not a valid file name (" + ex.getReason() + "; a corrupt archive?)", ex);
      }
      if (!dest.startsWith(root) || dest.equals(root) && !e.isDirectory()) {
        throw new DatasetException(archive, "refusing entry '" + name + "': it would land outside " + root);
      }
      if (e.isDirectory()) {
        Files.createDirectories(dest);
        continue;
      }
      Files.createDirectories(dest.getParent());
      try (OutputStream out = Files.newOutputStream(dest)) {
        in.transferTo(out);
      }
      files++;
    }
    return files;
  }

  private static boolean isLink(ArchiveEntry e) {
    if (e instanceof TarArchiveEntry t) {
      return t.isSymbolicLink() || t.isLink();
    }
    if (e instanceof ZipArchiveEntry z) {
      return z.isUnixSymlink();
    }
    return false;
  }
}
