package dev.spinal.datasets;

import java.util.SplittableRandom;

/**
 * One geometric augmentation step, in the style of a torchvision transform, described by its <em>inverse
 * mapping</em>: for an input of {@code inHeight x inWidth}, {@link #plan} draws the step's random parameters and
 * returns the output size and a 3x3 projective matrix that maps an output pixel position to the input position
 * it samples from.
 *
 * <p>Coordinates are continuous, with pixel {@code (x, y)} covering {@code [x, x+1) x [y, y+1)} (its centre at
 * {@code (x + 0.5, y + 0.5)}). {@link BatchStream} composes the steps of a chain into one matrix per image and
 * samples the source image once (bilinear, fill 0 outside the image), so a chain of rotation, perspective, resize
 * and crop costs one resampling, with no per-pixel allocation. Create steps with {@link Augmentations}.
 */
@FunctionalInterface
public interface Augmentation {
  /**
   * Draws this step's parameters for an image of the given input size.
   *
   * @param random a generator seeded per (stream seed, epoch, image position): same seed, same draws
   */
  Step plan(int inHeight, int inWidth, SplittableRandom random);

  /**
   * A planned step.
   *
   * @param height output height
   * @param width output width
   * @param inverse row-major 3x3 matrix mapping output coordinates to input coordinates (homogeneous), or
   *     {@code null} for the identity
   * @param erase a rectangle of the output to set to 0 after normalization (random erasing), or {@code null}
   */
  record Step(int height, int width, double[] inverse, Erase erase) {
    /** A geometric step: no erasing. */
    public Step(int height, int width, double[] inverse) {
      this(height, width, inverse, null);
    }
  }

  /**
   * A rectangle of the output image, {@code [top, top + height) x [left, left + width)}, whose values become 0
   * after normalization: the normalized mean, as torchvision's {@code RandomErasing(value=0)} after
   * {@code Normalize}. Only the last steps of a chain may erase (a later geometric step would have to move it).
   */
  record Erase(int top, int left, int height, int width) {}
}
