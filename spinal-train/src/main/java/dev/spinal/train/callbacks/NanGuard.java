package dev.spinal.train.callbacks;

import dev.spinal.train.FitContext;
import dev.spinal.train.TrainingDivergedException;
import java.nio.file.Path;

/** Stops training with a {@link TrainingDivergedException} as soon as a step's loss is NaN or infinite. */
public final class NanGuard implements Callback {

  private final Path checkpoints;

  public NanGuard() {
    this(null);
  }

  /** @param checkpoints where the last good checkpoint is, named in the error (null: not said) */
  public NanGuard(Path checkpoints) {
    this.checkpoints = checkpoints;
  }

  @Override
  public void onBatchEnd(FitContext fit, BatchEnd batch) {
    if (!Double.isFinite(batch.loss())) {
      throw new TrainingDivergedException(String.format("loss became %s at epoch %d, step %d; stopping.%s"
          + " Try a lower learning rate (--lr).", batch.loss(), batch.epoch() + 1, batch.step(),
          checkpoints == null ? "" : " The last good checkpoint is in " + checkpoints + "."));
    }
  }
}
