package dev.spinal.datasets.io;

import dev.spinal.datasets.DatasetException;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a comma-separated file as RFC 4180 describes it: UTF-8 (a byte-order mark is dropped), {@code \n} or
 * {@code \r\n} line ends, fields optionally in double quotes (which may then hold commas, line breaks and doubled
 * quotes {@code ""}); unquoted fields are trimmed. Blank lines are skipped. Small enough that the project does not
 * take a CSV library for it: a data list is two or three columns.
 */
public final class CsvRows {
  private CsvRows() {}

  /** One record: the 1-based line number it starts on, and its fields. */
  public record Row(int line, List<String> fields) {}

  /** All records of {@code file}, in order. */
  public static List<Row> read(Path file) {
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file)))
          .toString();
    } catch (NoSuchFileException e) {
      throw new DatasetException(file, "file not found", e);
    } catch (CharacterCodingException e) {
      throw new DatasetException(file, "not UTF-8 text (a CSV of path,label rows was expected)", e);
    } catch (IOException e) {
      throw new DatasetException(file, "cannot read: " + e, e);
    }
    if (text.startsWith("\uFEFF")) {
      text = text.substring(1);
    }
    List<Row> rows = new ArrayList<>();
    List<String> fields = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    boolean quoted = false;
    boolean wasQuoted = false;
    int line = 1;
    int start = 1;
    int n = text.length();
    for (int i = 0; i <= n; i++) {
      char ch = i < n ? text.charAt(i) : '\n';
      if (quoted) {
        if (i == n) {
          throw new DatasetException(file, "line " + start + ": a quoted field is not closed");
        }
        if (ch == '"') {
          if (i + 1 < n && text.charAt(i + 1) == '"') {
            field.append('"');
            i++;
          } else {
            quoted = false;
          }
        } else {
          if (ch == '\n') {
            line++;
          }
          field.append(ch);
        }
        continue;
      }
      if (ch == '"' && field.toString().isBlank()) {
        quoted = true;
        wasQuoted = true;
        field.setLength(0);
      } else if (ch == ',') {
        fields.add(wasQuoted ? field.toString() : field.toString().strip());
        field.setLength(0);
        wasQuoted = false;
      } else if (ch == '\n' || ch == '\r') {
        if (ch == '\r' && i + 1 < n && text.charAt(i + 1) == '\n') {
          i++;
        }
        fields.add(wasQuoted ? field.toString() : field.toString().strip());
        boolean blank = fields.size() == 1 && fields.get(0).isEmpty() && !wasQuoted;
        if (!blank) {
          rows.add(new Row(start, List.copyOf(fields)));
        }
        fields.clear();
        field.setLength(0);
        wasQuoted = false;
        line++;
        start = line;
      } else if (wasQuoted) {
        if (!Character.isWhitespace(ch)) {
          throw new DatasetException(file, "line " + line + ": text after a closing quote");
        }
      } else {
        field.append(ch);
      }
    }
    return rows;
  }
}
