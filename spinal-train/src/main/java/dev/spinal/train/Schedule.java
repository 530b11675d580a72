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

  /**
   * Whether {@link #next} reacts to validation ({@code improved}): then it is asked only after epochs that were
   * evaluated ({@link Trainer.Builder#evaluateEvery}), and the rate stays as it is after the others.
   */
  default boolean readsValidation() {
    return false;
  }

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
    public boolean readsValidation() {
      return true;
    }

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

  /**
   * The learning rate for the step numbered {@code step} (0-based, global) of a run of {@code totalSteps}
   * steps, given the epoch's rate from {@link #next}. Epoch schedules keep the epoch's rate; {@link
   * Cosine} decays it within epochs.
   */
  default double atStep(long step, long totalSteps, double baseLr, double epochLr) {
    return epochLr;
  }

  /** A schedule that sets the rate at every step ({@link #atStep}); between epochs it leaves the rate as it is. */
  sealed interface PerStep extends Schedule {
    @Override
    default double next(int nextEpoch, boolean improved, double baseLr, double currentLr, long seed) {
      return currentLr;
    }

    @Override
    double atStep(long step, long totalSteps, double baseLr, double epochLr);
  }

  /**
   * Cosine decay over the whole run, step by step (PyTorch's {@code CosineAnnealingLR} with {@code
   * T_max} = the run's steps): {@code max(base * (1 + cos(pi * step / total)) / 2, floor * base)}. For short
   * budgets: the rate is high while the model learns most and small at the end, where the accuracy of the last
   * epoch is read. A higher floor holds the rate up at the end, where a {@link Trainer.Builder#weightAverage weight
   * average} then averages the weights of a still-moving model (as stochastic weight averaging's constant rate).
   *
   * @param floor the lowest rate as a share of the base rate, in (0, 1); {@link #DEFAULT_FLOOR}: decays to ~0
   */
  record Cosine(double floor) implements PerStep {
    /** The floor of {@code cosine} alone: it keeps the rate > 0, which the optimizer requires. */
    public static final double DEFAULT_FLOOR = 1e-3;

    public Cosine {
      if (!(floor > 0 && floor < 1)) {
        throw new IllegalArgumentException("cosine's floor must be in (0, 1) (a share of --lr), got " + floor);
      }
    }

    public Cosine() {
      this(DEFAULT_FLOOR);
    }

    @Override
    public double atStep(long step, long totalSteps, double baseLr, double epochLr) {
      double progress = Math.min(1.0, (double) step / Math.max(1, totalSteps));
      return Math.max(baseLr * (1 + Math.cos(Math.PI * progress)) / 2, baseLr * floor);
    }
  }

  /**
   * The one-cycle policy (PyTorch's {@code OneCycleLR} with its defaults: {@code div_factor} 25, {@code
   * final_div_factor} 1e4, cosine annealing), step by step over the run: the rate rises from {@code base / 25} to
   * {@code base} over the first {@code warmupFraction} of the steps, then falls to {@code base / 250000} by the last.
   * The base rate is the peak, so it can be set higher than a cosine run's: the warm-up keeps the first steps of an
   * untrained model small. Unlike PyTorch's default, momentum (Adam's beta1) is not cycled.
   *
   * @param warmupFraction the share of the steps spent rising, in (0, 1); PyTorch's {@code pct_start}, 0.3
   */
  record OneCycle(double warmupFraction) implements PerStep {
    /** PyTorch's default share of the steps spent warming up. */
    public static final double DEFAULT_WARMUP = 0.3;
    private static final double START_DIVISOR = 25;
    private static final double FINAL_DIVISOR = 1e4;

    public OneCycle {
      if (!(warmupFraction > 0 && warmupFraction < 1)) {
        throw new IllegalArgumentException("one-cycle's warm-up fraction must be in (0, 1), got " + warmupFraction);
      }
    }

    public OneCycle() {
      this(DEFAULT_WARMUP);
    }

    @Override
    public double atStep(long step, long totalSteps, double baseLr, double epochLr) {
      double start = baseLr / START_DIVISOR;
      double end = start / FINAL_DIVISOR;
      // PyTorch's phase boundaries: the peak is reached at step warmup * total - 1, the floor at the last step
      double peakStep = warmupFraction * totalSteps - 1;
      double lastStep = Math.max(peakStep + 1, totalSteps - 1);
      if (step <= peakStep) {
        return annealed(start, baseLr, peakStep <= 0 ? 1 : step / peakStep);
      }
      return annealed(baseLr, end, Math.min(1.0, (step - peakStep) / (lastStep - peakStep)));
    }

    /** Cosine from {@code from} (progress 0) to {@code to} (progress 1). */
    private static double annealed(double from, double to, double progress) {
      return to + (from - to) / 2 * (1 + Math.cos(Math.PI * progress));
    }
  }

  /**
   * Parses {@code constant}, {@code step:STEP:GAMMA}, {@code plateau-cube}, {@code cosine[:FLOOR]} or {@code
   * one-cycle[:WARMUP]}.
   */
  static Schedule parse(String text) {
    String[] parts = text.split(":");
    switch (parts[0]) {
      case "constant":
        return new Constant();
      case "plateau-cube":
        return new RandomCubeOnPlateau();
      case "cosine":
        if (parts.length == 1) {
          return new Cosine();
        }
        if (parts.length == 2) {
          return new Cosine(Double.parseDouble(parts[1]));
        }
        break;
      case "one-cycle":
        if (parts.length == 1) {
          return new OneCycle();
        }
        if (parts.length == 2) {
          return new OneCycle(Double.parseDouble(parts[1]));
        }
        break;
      case "step":
        if (parts.length == 3) {
          return new StepLr(Integer.parseInt(parts[1]), Double.parseDouble(parts[2]));
        }
        break;
      default:
        break;
    }
    throw new IllegalArgumentException(
        "unknown schedule '" + text + "'; expected constant, plateau-cube, cosine, cosine:FLOOR (the lowest rate"
            + " as a share of --lr, e.g. 0.1), one-cycle, one-cycle:WARMUP (the share of the steps spent warming up,"
            + " e.g. 0.3) or step:STEP:GAMMA");
  }

  /** The text {@link #parse} reads. */
  default String describe() {
    if (this instanceof StepLr s) {
      return "step:" + s.step() + ":" + s.gamma();
    }
    if (this instanceof Cosine c) {
      return c.floor() == Cosine.DEFAULT_FLOOR ? "cosine" : "cosine:" + c.floor();
    }
    if (this instanceof OneCycle o) {
      return o.warmupFraction() == OneCycle.DEFAULT_WARMUP ? "one-cycle" : "one-cycle:" + o.warmupFraction();
    }
    return this instanceof RandomCubeOnPlateau ? "plateau-cube" : "constant";
  }
}
