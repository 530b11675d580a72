package dev.spinal.train;

/** The end-of-run table: one row per epoch, then the honest result and the paper's protocol. */
public final class SummaryTable {

  private SummaryTable() {}

  public static String render(TrainResult result) {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format("%n%5s %10s %10s %9s %9s %9s %9s %8s%n", "epoch", "lr", "train loss",
        "train acc", "val acc", "test acc", "img/s", "seconds"));
    for (EpochMetrics m : result.history()) {
      // an epoch between evaluations, or without a test split, shows "-"
      sb.append(String.format("%5d %10.3g %10.4f %9s %9s %9s %9.0f %8.0f%s%n", m.epoch(),
          m.learningRate(), m.trainLoss(), EpochMetrics.percent(m.trainAccuracy()),
          EpochMetrics.percent(m.validationAccuracy()), EpochMetrics.percent(m.testAccuracy()),
          m.imagesPerSecond(), m.seconds(),
          m.epoch() == result.bestEpoch() ? "  <- best validation" : ""));
    }
    sb.append(String.format("%ntest accuracy at the best validation epoch (%d): %.2f%%%n",
        result.bestEpoch(), 100 * result.testAccuracy()));
    sb.append(String.format("paper's protocol, best test accuracy over all epochs (selects on test): %.2f%%%n",
        100 * result.paperProtocolTestAccuracy()));
    sb.append(String.format("total time %.0f s%s%n", result.seconds(),
        result.stoppedEarly() ? " (stopped early)" : result.earlyStopped() ? " (ended by early stopping after epoch "
            + result.history().size() + ")" : ""));
    return sb.toString();
  }
}
