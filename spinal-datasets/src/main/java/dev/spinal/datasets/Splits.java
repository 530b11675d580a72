package dev.spinal.datasets;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/** Seeded, deterministic splitting of index sets. */
final class Splits {
  private Splits() {}

  /** [kept, heldOut] index arrays, each sorted ascending. */
  record Pair(int[] kept, int[] heldOut) {}

  /**
   * Holds out {@code count} of the {@code labels.length} items. Stratified: class k gives
   * {@code count * n_k / n} items (largest-remainder rounding, so the total is exact), drawn by a seeded shuffle
   * within the class. Random: a seeded shuffle of all items.
   */
  static Pair holdOut(int[] labels, int numClasses, int count, boolean stratified, long seed) {
    int n = labels.length;
    if (count <= 0) {
      int[] all = new int[n];
      Arrays.setAll(all, i -> i);
      return new Pair(all, new int[0]);
    }
    if (count >= n) {
      throw new DatasetException("cannot hold out " + count + " of " + n + " images");
    }
    SplittableRandom rng = new SplittableRandom(seed);
    boolean[] out = new boolean[n];
    if (!stratified) {
      int[] perm = permutation(n, rng);
      for (int i = 0; i < count; i++) {
        out[perm[i]] = true;
      }
    } else {
      List<List<Integer>> byClass = new ArrayList<>();
      for (int k = 0; k < numClasses; k++) {
        byClass.add(new ArrayList<>());
      }
      for (int i = 0; i < n; i++) {
        byClass.get(labels[i]).add(i);
      }
      int[] quota = new int[numClasses];
      double[] rem = new double[numClasses];
      int given = 0;
      for (int k = 0; k < numClasses; k++) {
        double exact = (double) count * byClass.get(k).size() / n;
        quota[k] = (int) Math.floor(exact);
        rem[k] = exact - quota[k];
        given += quota[k];
      }
      Integer[] order = new Integer[numClasses];
      Arrays.setAll(order, k -> k);
      Arrays.sort(order, (a, b) -> Double.compare(rem[b], rem[a]) != 0 ? Double.compare(rem[b], rem[a]) : a - b);
      for (int j = 0; given < count; j = (j + 1) % numClasses) {
        int k = order[j];
        if (quota[k] < byClass.get(k).size()) {
          quota[k]++;
          given++;
        }
      }
      for (int k = 0; k < numClasses; k++) {
        List<Integer> members = byClass.get(k);
        int[] perm = permutation(members.size(), rng);
        for (int i = 0; i < quota[k]; i++) {
          out[members.get(perm[i])] = true;
        }
      }
    }
    int[] kept = new int[n - count];
    int[] held = new int[count];
    int a = 0;
    int b = 0;
    for (int i = 0; i < n; i++) {
      if (out[i]) {
        held[b++] = i;
      } else {
        kept[a++] = i;
      }
    }
    return new Pair(kept, held);
  }

  /** A seeded Fisher-Yates permutation of 0..n-1. */
  static int[] permutation(int n, SplittableRandom rng) {
    int[] p = new int[n];
    Arrays.setAll(p, i -> i);
    for (int i = n - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }

  static int[] select(int[] base, int[] positions) {
    int[] out = new int[positions.length];
    for (int i = 0; i < positions.length; i++) {
      out[i] = base[positions[i]];
    }
    return out;
  }
}
