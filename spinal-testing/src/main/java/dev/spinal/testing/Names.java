package dev.spinal.testing;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * How the assertions find an input, variable or layer by name. A name matches exactly
 * ({@code progressive_spinal_head/layer1/kernel}) or as whole {@code /}-separated segments of the
 * full name ({@code layer1}, {@code layer1/kernel}; {@code layer1} never matches {@code layer10}).
 * An exact match wins over segment matches.
 */
final class Names {

  private Names() {}

  /** The indices in {@code names} that {@code query} names: one exact match, or every segment match. */
  static List<Integer> matches(List<String> names, String query) {
    List<Integer> found = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      if (names.get(i).equals(query)) {
        return List.of(i);
      }
    }
    String[] wanted = query.split("/", -1);
    for (int i = 0; i < names.size(); i++) {
      if (containsSegments(names.get(i).split("/", -1), wanted)) {
        found.add(i);
      }
    }
    return found;
  }

  private static boolean containsSegments(String[] name, String[] wanted) {
    for (int start = 0; start + wanted.length <= name.length; start++) {
      if (Arrays.equals(name, start, start + wanted.length, wanted, 0, wanted.length)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Why {@code query} does not name exactly one of {@code names} ({@code what} is e.g. "input or
   * variable"), or {@code null} if it does.
   */
  static String problem(List<String> names, String query, String what) {
    List<Integer> found = matches(names, query);
    if (found.size() == 1) {
      return null;
    }
    if (found.isEmpty()) {
      return String.format("no %s named %s; known: %s", what, query, String.join(", ", names));
    }
    List<String> ambiguous = found.stream().map(names::get).toList();
    return String.format(
        "%s names %d of them: %s; use a longer name (known: %s)",
        query, found.size(), String.join(", ", ambiguous), String.join(", ", names));
  }
}
