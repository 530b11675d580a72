package dev.spinal.savedmodel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.AssertionFailedError;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/**
 * Seeded corruptions of a valid {@code backbone.json} beside a tiny SavedModel: bytes (truncation, bit flips,
 * insertions, deletions) and JSON values (a field removed or misspelt, a value replaced by null, a string, another
 * number, an array, an object). Every case must load, or fail with the {@link IllegalArgumentException}
 * {@link SavedModelBackbone#load} documents, its message naming {@code backbone.json}: no other exception, no hang.
 * A value that is still valid JSON but wrong for its field (a mean that is not a number, an unknown channel order)
 * must be refused, not read as 0 or as RGB. The summary is printed at the end.
 */
class BackboneJsonFuzzTest {
  static final long SEED = 20_240_602L;
  static final int BYTE_CASES = 150;
  static final int VALUE_CASES = 100;
  static final ObjectMapper JSON = new ObjectMapper();

  /** A backbone.json as export_backbone.py writes it, for the tiny 4x4x1 -> 16 model. */
  static final String VALID = """
      {
        "schema": "spinal-backbone/1",
        "saved_model_format": "graph",
        "signature": "serving_default",
        "tags": ["serve"],
        "input": {"name": "images", "dtype": "float32", "shape": [-1, 4, 4, 1]},
        "output": {"name": "features", "dtype": "float32", "shape": [-1, 16]},
        "input_size": {"height": 4, "width": 4, "channels": 1},
        "feature_size": 16,
        "pooling": null,
        "preprocessing": {
          "mode": "scale_0_1",
          "input_range": [0.0, 255.0],
          "channel_order": "gray",
          "mean": [0.0],
          "std": [255.0]
        },
        "parameters": {"total": 16, "trainable": 16},
        "versions": {"tensorflow": "2.21.0", "keras": "3.15.1"}
      }
      """;

  @TempDir static Path dir;

  @Test
  void corruptedBackboneJsonLoadsOrIsRefusedNamingIt() throws Exception {
    Path model = SavedModelBackboneErrorsTest.tinyModel(dir.resolve("tiny"), "serving_default", TFloat32.class,
        Shape.of(-1, 4, 4, 1));
    Path json = model.resolve("backbone.json");
    Files.writeString(json, VALID);
    assertThat(SavedModelBackbone.load(model, 4, 4, 1, false).featureSize()).as("the valid file loads").isEqualTo(16);

    List<String> findings = new ArrayList<>();
    int[] loaded = new int[2];
    int[] refused = new int[2];
    byte[] valid = VALID.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < BYTE_CASES + VALUE_CASES; i++) {
      Random r = new Random(SEED * 1_000_003 + i);
      boolean bytes = i < BYTE_CASES;
      String[] what = new String[1];
      boolean[] mustRefuse = new boolean[1];
      byte[] content = bytes ? corruptBytes(valid, r, what)
          : corruptValue(r, what, mustRefuse).getBytes(StandardCharsets.UTF_8);
      Files.write(json, content);
      String outcome;
      try {
        outcome = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> attempt(model));
      } catch (AssertionFailedError timeout) {
        outcome = "still running after 20 s";
      }
      int kind = bytes ? 0 : 1;
      if (outcome == null && mustRefuse[0]) {
        findings.add("case " + i + " (seed " + SEED + ", " + what[0] + "): loaded, but the value is wrong for"
            + " its field and must be refused\n" + new String(content, StandardCharsets.UTF_8));
      } else if (outcome == null) {
        loaded[kind]++;
      } else if (outcome.startsWith("refused")) {
        refused[kind]++;
      } else {
        findings.add("case " + i + " (seed " + SEED + ", " + what[0] + "): " + outcome + "\n" + new String(content,
            StandardCharsets.UTF_8));
      }
    }
    System.out.printf("backbone.json fuzz:  %7s %7s %7s %8s%n", "cases", "loaded", "refused", "findings");
    System.out.printf("  bytes corrupted   %7d %7d %7d%n", BYTE_CASES, loaded[0], refused[0]);
    System.out.printf("  values corrupted  %7d %7d %7d%n", VALUE_CASES, loaded[1], refused[1]);
    System.out.printf("  findings %d%n", findings.size());
    assertThat(findings).as("corrupted backbone.json files that neither loaded nor failed with an"
        + " IllegalArgumentException naming backbone.json").isEmpty();
  }

  /** Null when it loaded; "refused: ..." for an IllegalArgumentException naming backbone.json; else the finding. */
  static String attempt(Path model) {
    try {
      SavedModelBackbone.load(model, 4, 4, 1, false);
      return null;
    } catch (IllegalArgumentException e) {
      return String.valueOf(e.getMessage()).contains("backbone.json") ? "refused: " + e.getMessage()
          : "an IllegalArgumentException that does not name backbone.json: " + e.getMessage();
    } catch (RuntimeException | Error e) {
      return "threw " + e + " at " + Arrays.toString(Arrays.copyOf(e.getStackTrace(), 4));
    }
  }

  static byte[] corruptBytes(byte[] data, Random r, String[] what) {
    int len = data.length;
    int p = r.nextBoolean() ? r.nextInt(len) : r.nextInt(Math.min(len, 64));
    switch (r.nextInt(4)) {
      case 0 -> {
        int keep = r.nextInt(len);
        what[0] = "truncated to " + keep + " bytes";
        return Arrays.copyOf(data, keep);
      }
      case 1 -> {
        byte[] out = data.clone();
        int bit = r.nextInt(8);
        out[p] ^= (byte) (1 << bit);
        what[0] = "flipped bit " + bit + " of byte " + p;
        return out;
      }
      case 2 -> {
        byte[] extra = new byte[1 + r.nextInt(4)];
        String alphabet = "{}[]\",:0-9e.\\\u0000x ";
        for (int k = 0; k < extra.length; k++) {
          extra[k] = (byte) alphabet.charAt(r.nextInt(alphabet.length()));
        }
        byte[] out = new byte[len + extra.length];
        System.arraycopy(data, 0, out, 0, p);
        System.arraycopy(extra, 0, out, p, extra.length);
        System.arraycopy(data, p, out, p + extra.length, len - p);
        what[0] = "inserted " + Arrays.toString(extra) + " at " + p;
        return out;
      }
      default -> {
        int n = Math.min(1 + r.nextInt(6), len - p);
        byte[] out = new byte[len - n];
        System.arraycopy(data, 0, out, 0, p);
        System.arraycopy(data, p + n, out, p, len - p - n);
        what[0] = "deleted " + n + " bytes at " + p;
        return out;
      }
    }
  }

  /**
   * Still JSON, but one value replaced, one field removed, or one field name misspelt. {@code mustRefuse[0]} says
   * whether the result is wrong for a field the loader reads ({@link #mustRefuse}).
   */
  static String corruptValue(Random r, String[] what, boolean[] mustRefuse) throws Exception {
    JsonNode root = JSON.readTree(VALID);
    List<JsonPointer> paths = new ArrayList<>();
    collect(root, JsonPointer.empty(), paths);
    JsonPointer target = paths.get(1 + r.nextInt(paths.size() - 1));
    JsonNode parent = root.at(target.head());
    String key = target.last().getMatchingProperty();
    int index = target.last().getMatchingIndex();
    JsonNodeFactory f = JsonNodeFactory.instance;
    JsonNode[] replacements = {f.nullNode(), f.textNode("x"), f.textNode(""), f.textNode("NaN"), f.numberNode(0),
        f.numberNode(-1), f.numberNode(1e308), f.numberNode(Long.MAX_VALUE), f.numberNode(2.5), f.booleanNode(true),
        f.arrayNode(), f.arrayNode().add(1).add(2).add(3).add(4), f.objectNode(), f.textNode("RGBX")};
    int op = r.nextInt(4);
    JsonNode value = null; // null: removed
    if (op == 0 && parent instanceof ObjectNode o) {
      o.remove(key);
      what[0] = "removed " + target;
    } else if (op == 1 && parent instanceof ObjectNode o) {
      JsonNode v = o.remove(key);
      String typo = key.substring(0, key.length() - 1) + (char) ('a' + r.nextInt(26));
      if (typo.equals(key)) {
        typo = key + "x";
      }
      o.set(typo, v);
      what[0] = "renamed " + target + " to " + typo;
    } else {
      value = replacements[r.nextInt(replacements.length)];
      if (parent instanceof ObjectNode o) {
        o.set(key, value);
      } else {
        ((ArrayNode) parent).set(index, value);
      }
      what[0] = "set " + target + " to " + value;
    }
    mustRefuse[0] = mustRefuse(target.toString(), value);
    return JSON.writeValueAsString(root);
  }

  /**
   * Whether {@code value} at {@code path} (null: the field removed) is wrong for what the loader reads there and
   * must be refused. Required: {@code input_size}, {@code feature_size} (which must match the model: no replacement
   * does), {@code preprocessing.mean}/{@code std} (lists of 1 or C finite numbers, std > 0). Optional, defaulted
   * when absent or null, but checked when present: {@code signature} (a string), {@code saved_model_format}
   * ({@code tf2}/{@code graph}), {@code preprocessing.channel_order} (RGB, BGR, gray, as-is). Fields the loader does
   * not read may hold anything.
   */
  static boolean mustRefuse(String path, JsonNode value) {
    if (path.equals("/input_size") || path.startsWith("/input_size/") || path.equals("/feature_size")
        || path.equals("/preprocessing") || path.equals("/preprocessing/mean") || path.equals("/preprocessing/std")) {
      return true;
    }
    if (path.equals("/preprocessing/mean/0") || path.equals("/preprocessing/std/0")) {
      boolean number = value != null && value.isNumber() && Float.isFinite((float) value.asDouble());
      return !number || path.endsWith("std/0") && !(value.asDouble() > 0);
    }
    if (path.equals("/signature") || path.equals("/saved_model_format") || path.equals("/preprocessing/channel_order")) {
      return value != null && !value.isNull();  // every non-null replacement is wrong for these three
    }
    return false;
  }

  private static void collect(JsonNode node, JsonPointer at, List<JsonPointer> out) {
    out.add(at);
    if (node.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        collect(e.getValue(), at.appendProperty(e.getKey()), out);
      }
    } else if (node.isArray()) {
      for (int k = 0; k < node.size(); k++) {
        collect(node.get(k), at.appendIndex(k), out);
      }
    }
  }
}
