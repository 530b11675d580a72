package dev.spinal.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.tensorflow.ndarray.Shape;

class AugmentationTest {
  static final ImageDataset IMG = BatchStreamTest.synthetic(4, 8, 8, 2);

  /** Renders the first 4 images through {@code steps} with UNIT normalization (value = pixel / 255). */
  static float[] render(ImageDataset ds, Interpolation mode, Augmentation... steps) {
    try (BatchStream s = BatchStream.builder(ds).batchSize(4).augment(steps).interpolation(mode).prefetch(0).build();
        Batch b = s.next()) {
      return BatchStreamTest.floats(b.images());
    }
  }

  static float src(ImageDataset ds, int i, int y, int x, int c) {
    return ds.pixel(i, y, x, c) / 255f;
  }

  @Test
  void zeroRotationAndZeroPerspectiveAreTheIdentity() {
    float[] plain = render(IMG, Interpolation.BILINEAR);
    assertThat(render(IMG, Interpolation.BILINEAR, Augmentations.randomRotation(0))).containsExactly(plain,
        offset(1e-5f));
    assertThat(render(IMG, Interpolation.BILINEAR, Augmentations.randomPerspective(0, 1.0))).containsExactly(plain,
        offset(1e-4f));
  }

  @Test
  void flipMirrorsExactly() {
    float[] out = render(IMG, Interpolation.BILINEAR, Augmentations.randomHorizontalFlip(1.0));
    for (int i = 0; i < 4; i++) {
      for (int y = 0; y < 8; y++) {
        for (int x = 0; x < 8; x++) {
          for (int c = 0; c < 2; c++) {
            assertThat(out[((i * 8 + y) * 8 + x) * 2 + c]).isCloseTo(src(IMG, i, y, 7 - x, c), offset(1e-6f));
          }
        }
      }
    }
  }

  @Test
  void exactQuarterTurnThroughTheSampler() {
    // A fixed 90-degree inverse map about the centre: input (x, y) = (y, W - x) in continuous coordinates.
    Augmentation quarter = (h, w, r) -> new Augmentation.Step(h, w, new double[] {0, 1, 0, -1, 0, w, 0, 0, 1});
    for (Interpolation mode : Interpolation.values()) {
      float[] out = render(IMG, mode, quarter);
      for (int y = 0; y < 8; y++) {
        for (int x = 0; x < 8; x++) {
          assertThat(out[(y * 8 + x) * 2 + 1]).isCloseTo(src(IMG, 0, 7 - x, y, 1), offset(1e-6f));
        }
      }
    }
  }

  @Test
  void randomCropIsAWindowAndResizeKeepsConstants() {
    float[] out = render(IMG, Interpolation.BILINEAR, Augmentations.randomCrop(5, 6));
    for (int i = 0; i < 4; i++) {
      boolean found = false;
      for (int top = 0; top <= 3 && !found; top++) {
        for (int left = 0; left <= 2 && !found; left++) {
          boolean all = true;
          for (int y = 0; y < 5 && all; y++) {
            for (int x = 0; x < 6 && all; x++) {
              all = Math.abs(out[((i * 5 + y) * 6 + x) * 2] - src(IMG, i, top + y, left + x, 0)) < 1e-6;
            }
          }
          found = all;
        }
      }
      assertThat(found).as("image %s is a 5x6 window", i).isTrue();
    }
    byte[] gray = new byte[10 * 10];
    java.util.Arrays.fill(gray, (byte) 200);
    ImageDataset flat = ImageDataset.of("flat", gray, 10, 10, 1, new int[] {0}, List.of("x"));
    try (BatchStream s = BatchStream.builder(flat).augment(Augmentations.resize(23, 17)).prefetch(0).build();
        Batch b = s.next()) {
      assertThat(b.images().shape()).isEqualTo(Shape.of(1, 23, 17, 1));
      float[] v = BatchStreamTest.floats(b.images());
      // Interior is exactly constant; the outer half-pixel ring blends with the 0 fill (as torchvision's
      // bilinear sampling with zero padding would).
      for (int y = 1; y < 22; y++) {
        for (int x = 1; x < 16; x++) {
          assertThat(v[y * 17 + x]).isCloseTo(200 / 255f, offset(1e-5f));
        }
      }
    }
  }

  @Test
  void rotationFillsOutsideWithZeroBeforeNormalization() {
    byte[] white = new byte[16 * 16];
    java.util.Arrays.fill(white, (byte) 255);
    ImageDataset ds = ImageDataset.of("w", white, 16, 16, 1, new int[] {0}, List.of("x"));
    Augmentation fortyFive = (h, w, r) -> {
      double c = Math.cos(Math.PI / 4);
      double cx = w / 2.0;
      double cy = h / 2.0;
      return new Augmentation.Step(h, w, new double[] {c, -c, cx - c * cx + c * cy, c, c, cy - c * cx - c * cy,
          0, 0, 1});
    };
    try (BatchStream s = BatchStream.builder(ds).augment(fortyFive).normalize(Normalization.MNIST).prefetch(0)
        .build(); Batch b = s.next()) {
      float[] v = BatchStreamTest.floats(b.images());
      assertThat(v[0]).isCloseTo(-0.1307f / 0.3081f, offset(1e-5f));
      assertThat(v[8 * 16 + 8]).isCloseTo((1 - 0.1307f) / 0.3081f, offset(1e-5f));
    }
  }

  @Test
  void perspectiveAndResizedCropKeepTheRequestedSize() {
    try (BatchStream s = BatchStream.builder(IMG).batchSize(4).shuffle(2)
        .augment(Augmentations.randomPerspective(0.5, 1.0), Augmentations.randomResizedCrop(6, 5, 0.95, 1.0))
        .prefetch(0).build(); Batch b = s.next()) {
      assertThat(b.images().shape()).isEqualTo(Shape.of(4, 6, 5, 2));
      float[] v = BatchStreamTest.floats(b.images());
      for (float f : v) {
        assertThat(f).isBetween(0f, 1f);
      }
    }
  }

  @Test
  void paddedCropShiftsByWholePixelsWithinThePadding() {
    float[] out = render(IMG, Interpolation.BILINEAR, Augmentations.randomPaddedCrop(2));
    for (int i = 0; i < 4; i++) {
      boolean found = false;
      for (int dy = -2; dy <= 2 && !found; dy++) {
        for (int dx = -2; dx <= 2 && !found; dx++) {
          boolean all = true;
          for (int y = 0; y < 8 && all; y++) {
            for (int x = 0; x < 8 && all; x++) {
              int sy = y + dy;
              int sx = x + dx;
              float expected = sy < 0 || sy >= 8 || sx < 0 || sx >= 8 ? 0f : src(IMG, i, sy, sx, 1);
              all = Math.abs(out[((i * 8 + y) * 8 + x) * 2 + 1] - expected) < 1e-6;
            }
          }
          found = all;
        }
      }
      assertThat(found).as("image %s is the original shifted by at most 2 pixels, zero-filled", i).isTrue();
    }
  }

  @Test
  void erasingZeroesOneRectangleInEveryChannelAndKeepsTheRest() {
    ImageDataset bright = BatchStreamTest.synthetic(4, 16, 16, 2);
    float[] plain = render(bright, Interpolation.BILINEAR);
    float[] out = render(bright, Interpolation.BILINEAR, Augmentations.randomErasing(1.0));
    for (int i = 0; i < 4; i++) {
      int minY = 16;
      int maxY = -1;
      int minX = 16;
      int maxX = -1;
      int changed = 0;
      for (int y = 0; y < 16; y++) {
        for (int x = 0; x < 16; x++) {
          for (int c = 0; c < 2; c++) {
            int k = ((i * 16 + y) * 16 + x) * 2 + c;
            if (out[k] != plain[k]) {
              assertThat(out[k]).isZero();
              changed++;
              minY = Math.min(minY, y);
              maxY = Math.max(maxY, y);
              minX = Math.min(minX, x);
              maxX = Math.max(maxX, x);
            }
          }
        }
      }
      assertThat(changed).as("image %s has an erased rectangle", i).isPositive();
      int area = (maxY - minY + 1) * (maxX - minX + 1);
      // inside the bounding box every value is 0 (pixels that were 0 already count as erased too)
      for (int y = minY; y <= maxY; y++) {
        for (int x = minX; x <= maxX; x++) {
          assertThat(out[((i * 16 + y) * 16 + x) * 2]).isZero();
          assertThat(out[((i * 16 + y) * 16 + x) * 2 + 1]).isZero();
        }
      }
      assertThat(area).as("erased area of image %s", i).isBetween(1, (int) Math.ceil(0.33 * 256) + 16);
    }
    assertThat(render(bright, Interpolation.BILINEAR, Augmentations.randomErasing(0.0))).containsExactly(plain);
  }

  @Test
  void erasingBeforeAGeometricStepIsRefused() {
    Augmentation eraseAll = (h, w, r) -> new Augmentation.Step(h, w, null, new Augmentation.Erase(0, 0, 2, 2));
    org.assertj.core.api.Assertions.assertThatThrownBy(() ->
            render(IMG, Interpolation.BILINEAR, eraseAll, Augmentations.randomHorizontalFlip(1.0)))
        .hasStackTraceContaining("random erasing must come after every geometric augmentation step");
  }
}
