package dev.spinal.train.callbacks;

import dev.spinal.train.EpochMetrics;
import dev.spinal.train.FitContext;

/** Stops the run (as Ctrl-C would, after a checkpointed epoch) once it has trained {@code n} epochs. */
public final class StopAfterEpochs implements Callback {

  private final int n;
  private int done;

  public StopAfterEpochs(int n) {
    this.n = n;
  }

  @Override
  public void onEpochEnd(FitContext fit, EpochMetrics metrics, boolean improved) {
    if (++done >= n) {
      fit.requestStop();
    }
  }
}
