package dev.spinal.train.callbacks;

import dev.spinal.train.Checkpoints;
import dev.spinal.train.EpochMetrics;
import dev.spinal.train.FitContext;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Saves a checkpoint (variables, optimizer slots, learning rate, {@link dev.spinal.train.RunState})
 * after every epoch, keeping the newest {@code keep} and, separately, the best-validation one; and one
 * where a stop interrupted an epoch, from which {@link dev.spinal.train.Trainer.Builder#resumeFrom}
 * continues with the next batch. Checkpoints are written to a temporary folder and renamed into place.
 */
public final class Checkpointing implements Callback {

  private static final Logger log = LoggerFactory.getLogger(Checkpointing.class);
  private final Checkpoints checkpoints;

  /** Checkpoints in {@code runDir/checkpoints/}. */
  public Checkpointing(Path runDir, int keep) {
    this.checkpoints = new Checkpoints(runDir, keep);
  }

  public Checkpoints checkpoints() {
    return checkpoints;
  }

  @Override
  public void onEpochEnd(FitContext fit, EpochMetrics metrics, boolean improved) {
    checkpoints.save(fit.session(), fit.state(), improved);
  }

  @Override
  public void onInterrupted(FitContext fit) {
    Path saved = checkpoints.save(fit.session(), fit.state(), false);
    log.info("stopped in epoch {} after step {}; checkpoint saved to {}", fit.state().epochsDone() + 1,
        fit.state().step(), saved);
  }
}
