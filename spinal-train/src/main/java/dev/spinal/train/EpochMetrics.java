package dev.spinal.train;

/**
 * What one epoch measured. Accuracies are fractions in [0, 1]; {@code dataWaitFraction} is the share
 * of the epoch's training time spent waiting for the next batch.
 */
public record EpochMetrics(
    int epoch,
    long step,
    double learningRate,
    double trainLoss,
    double trainAccuracy,
    double validationLoss,
    double validationAccuracy,
    double testLoss,
    double testAccuracy,
    double seconds,
    double imagesPerSecond,
    double dataWaitFraction) {}
