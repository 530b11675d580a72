package dev.spinal.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.spinal.core.GraphContext;
import dev.spinal.datasets.io.NpyReader;
import dev.spinal.datasets.io.NpyReader.NpyArray;
import dev.spinal.savedmodel.SavedModelBackbone;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * The ImageNet-pretrained EfficientNet-Lite0 of this machine's backbone cache, loaded from Java by its name, gives
 * PyTorch's features on the sample photos. Skipped when the cache is not built: building it needs the PyTorch venv
 * and about a minute, which saved-models' pytest (run by ./run-tests after Maven) does.
 */
class EfficientNetLite0BackboneTest {

  @ParameterizedTest
  @ValueSource(strings = {"efficientnet-lite0", "efficientnet-lite0-graph"})
  void givesPytorchsFeaturesOnThePhotos(String name) {
    PretrainedBackbones cache = PretrainedBackbones.fromEnvironment();
    Path dump = cache.root().resolve("sources").resolve("efficientnet-lite0-224.npz");
    PretrainedBackbones.Entry entry = PretrainedBackbones.parse(name).orElseThrow();
    assumeTrue(Files.isDirectory(cache.folder(entry)) && Files.isRegularFile(dump),
        name + " is not built in " + cache.root() + ": run " + entry.buildCommand() + " to run this test");

    byte[] pixels;
    float[] want;
    long[] shape;
    try (NpyReader.Npz npz = NpyReader.openNpz(dump)) {
      NpyArray p = npz.read("pixels");
      pixels = p.unsignedBytes();
      shape = p.shape();
      want = floats(npz.read("features"));
    }
    int n = (int) shape[0];
    assertThat(shape).containsExactly(n, 224, 224, 3);
    // Spinal's images are pixels / 255; the backbone's graph scales them back and applies (x - 127) / 128.
    float[] images = new float[pixels.length];
    for (int i = 0; i < images.length; i++) {
      images[i] = (pixels[i] & 0xff) / 255f;
    }
    SavedModelBackbone backbone = SavedModelBackbone.load(cache.resolve(name).orElseThrow(), 224, 224, 3, false);
    float[] got;
    try (TFloat32 x = TFloat32.tensorOf(Shape.of(n, 224, 224, 3), DataBuffers.of(images, true, false))) {
      got = features(backbone, x);
    }
    assertThat(got).hasSize(n * 1280);
    double maxDiff = 0;
    double maxRef = 0;
    for (int i = 0; i < got.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(got[i] - want[i]));
      maxRef = Math.max(maxRef, Math.abs(want[i]));
    }
    System.out.printf("%s from Java vs PyTorch on %d photos: features relative error %.3g%n", name, n,
        maxDiff / maxRef);
    assertThat(maxDiff / maxRef).isLessThanOrEqualTo(1e-4);
  }

  private static float[] floats(NpyArray a) {
    assertThat(a.dtype()).isEqualTo("<f4");
    float[] out = new float[(int) a.count()];
    ByteBuffer.wrap(a.data()).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
    return out;
  }

  private static float[] features(SavedModelBackbone backbone, TFloat32 x) {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.inference(g, 0);
      Placeholder<TFloat32> images = backbone.createInput(ctx, "images");
      Operand<TFloat32> features = backbone.build(ctx, images);
      try (Session s = new Session(g)) {
        s.initialize();
        backbone.initialize(s);
        try (Result r = s.runner().feed(images, x).fetch(features).run()) {
          TFloat32 f = (TFloat32) r.get(0);
          float[] out = new float[(int) f.shape().size()];
          f.asRawTensor().data().asFloats().read(out);
          return out;
        }
      }
    }
  }
}
