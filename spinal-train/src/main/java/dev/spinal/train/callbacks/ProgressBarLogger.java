package dev.spinal.train.callbacks;

import dev.spinal.train.FitContext;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** A console progress bar per epoch with the running loss and images/s (me.tongfei's progressbar). */
public final class ProgressBarLogger implements Callback {

  private ProgressBar bar;

  @Override
  public void onEpochBegin(FitContext fit, int epoch, int batches) {
    close();
    bar = new ProgressBarBuilder()
        .setTaskName(String.format("epoch %d/%d", epoch + 1, fit.trainer().epochs()))
        .setInitialMax(batches)
        .setStyle(ProgressBarStyle.ASCII)
        .setUpdateIntervalMillis(1000)
        .setMaxRenderedLength(110)
        .build();
    bar.stepTo(fit.state().batchesDone());
  }

  @Override
  public void onBatchEnd(FitContext fit, BatchEnd batch) {
    if (bar != null) {
      bar.stepTo(batch.batch() + 1L);
      bar.setExtraMessage(String.format("loss %.4f  %.0f img/s", batch.meanLoss(), batch.imagesPerSecond()));
    }
  }

  @Override
  public void onEpochEnd(FitContext fit, dev.spinal.train.EpochMetrics metrics, boolean improved) {
    close();
  }

  @Override
  public void onInterrupted(FitContext fit) {
    close(); // end the bar's line before the callbacks after it report the stop
  }

  @Override
  public void close() {
    if (bar != null) {
      bar.close();
      bar = null;
    }
  }
}
