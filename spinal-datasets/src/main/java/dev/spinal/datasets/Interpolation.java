package dev.spinal.datasets;

/**
 * How {@link BatchStream} samples the source image at a non-integer position. torchvision's
 * {@code RandomRotation} defaults to nearest, {@code RandomPerspective} and {@code Resize} to bilinear; since a
 * chain is sampled once, one mode applies to the whole chain. Default: {@link #BILINEAR}.
 */
public enum Interpolation {
  NEAREST,
  BILINEAR
}
