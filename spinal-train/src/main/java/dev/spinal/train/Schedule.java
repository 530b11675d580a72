package dev.spinal.train;

import java.util.Random;

/**
 * How the learning rate changes between epochs. Deterministic given the run's seed and the epoch,
 * so a resumed run takes the same decisions as an uninterrupted one.
 */
public sealed interface Schedule {

  /**
   * The learning rate for {@code nextEpoch} (0-based), decided after the previous epoch.
   *
   * @param improved whether the previous epoch improved the best validation accuracy
   */
  double next(int nextEpoch, boolean improved, double baseLr, double currentLr, long seed);

  /** The same rate throughout. */
  record Constant() implements Schedule {
    @Override
    public double next(int nextEpoch, boolean improved, double baseLr, double currentLr, long seed) {
      return baseLr;
    }
  }

  /** PyTorch's {@code StepLR}: {@code base * gamma^floor(epoch / step)}. */
  record StepLr(int step, double gamma) implements Schedule {
    public StepLr {
      if (step < 1 || !(gamma > 0)) {
        throw new IllegalArgumentException("StepLR needs step >= 1 and gamma > 0, got " + step + ", " + gamma);
      }
    }

    @Override
    public double next(int nextEpoch, boolean improved, double baseLr, double currentLr, long seed) {
      return baseLr * Math.pow(gamma, nextEpoch / step);
    }
  }

  /**
   * The paper's scripts' rule: after an epoch that does not improve the best accuracy, the rate
   * becomes {@code base * u^3} with {@code u} uniform in [0, 1); after one that does, it stays.
   */
  record RandomCubeOnPlateau() implements Schedule {
    @Override
    public double next(int nextEpoch, boolean improved, double baseLr, double currentLr, long seed) {
      if (improved) {
        return currentLr;
      }
      double u = new Random(seed * 1_000_003L + nextEpoch).nextDouble();
      // a rate of exactly 0 would stall training for good; u^3 < 1e-9 is as good as 0 anyway
      return baseLr * Math.max(Math.pow(u, 3), 1e-9);
    }
  }

  /** Parses {@code constant}, {@code step:STEP:GAMMA} or {@code plateau-cube}. */
  static Schedule parse(String text) {
    String[] parts = text.split(":");
    switch (parts[0]) {
      case "constant":
        return new Constant();
      case "plateau-cube":
        return new RandomCubeOnPlateau();
      case "step":
        if (parts.length == 3) {
          return new StepLr(Integer.parseInt(parts[1]), Double.parseDouble(parts[2]));
        }
        break;
      default:
        break;
    }
    throw new IllegalArgumentException(
        "unknown schedule '" + text + "'; expected constant, plateau-cube or step:STEP:GAMMA");
  }

  /** The text {@link #parse} reads. */
  default String describe() {
    if (this instanceof StepLr s) {
      return "step:" + s.step() + ":" + s.gamma();
    }
    return this instanceof RandomCubeOnPlateau ? "plateau-cube" : "constant";
  }
}
