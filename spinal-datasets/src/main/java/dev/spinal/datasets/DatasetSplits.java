package dev.spinal.datasets;

/**
 * The three splits of a loaded dataset: {@code train} (published training set minus validation),
 * {@code validation} (carved from the published training set; see {@link DataOptions}) and {@code test} (as
 * published), plus an {@link DatasetInfo} describing where they came from and whether checksums matched.
 * All three share the same image shape and class names.
 */
public record DatasetSplits(ImageDataset train, ImageDataset validation, ImageDataset test, DatasetInfo info) {}
