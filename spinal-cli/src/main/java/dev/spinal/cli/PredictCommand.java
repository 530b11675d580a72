package dev.spinal.cli;

import dev.spinal.savedmodel.ExportedModel;
import dev.spinal.datasets.io.ImageFolderReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code spinal predict}: classes of image files (or, with --dataset, the eval command's accuracy). */
@Command(name = "predict", description = "Predict the class of image files (PNG/JPEG) with an exported model,"
    + " or with --dataset the accuracy on a split (as `spinal eval`).")
final class PredictCommand implements Callable<Integer> {

  @Option(names = "--model", paramLabel = "DIR", required = true, description = "Export folder: BASE/<version>, or BASE for its"
      + " highest version.")
  Path model;
  @Option(names = "--dataset", paramLabel = "DATASET", completionCandidates = Choices.DatasetKeys.class, description = "Instead of image"
      + " files: the accuracy on this dataset's --split, as spinal eval (${COMPLETION-CANDIDATES}).")
  String dataset;
  @Option(names = "--data-path", paramLabel = "DIR", description = "With --dataset: folder holding its files. Default: found in the"
      + " cache, the system's folders, else downloaded.")
  Path dataPath;
  @Option(names = "--split", paramLabel = "SPLIT", defaultValue = "test", converter = Choices.SplitName.class,
      completionCandidates = Choices.SplitName.class, description = "With --dataset: ${COMPLETION-CANDIDATES}.")
  String split;
  @Option(names = "--limit", paramLabel = "N", defaultValue = "0", description = "With --dataset: only the first N images of each"
      + " split (0: all).")
  int limit;
  @Option(names = "--top", paramLabel = "K", defaultValue = "3", description = "Classes to show per image, most probable first.")
  int top;
  @Option(names = "--trust-savedmodel", description = InspectCommand.TRUST_HELP)
  boolean trustSavedModel;
  @Parameters(arity = "0..*", paramLabel = "IMAGE", showDefaultValue = Help.Visibility.NEVER, description = "Image files (PNG, JPEG, BMP, GIF), resized to"
      + " the model's input.")
  List<Path> images = List.of();

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (dataset != null) {
      EvalCommand eval = new EvalCommand();
      eval.model = model;
      eval.dataset = dataset;
      eval.dataPath = dataPath;
      eval.split = split;
      eval.limit = limit;
      eval.seed = 1;
      eval.trustSavedModel = trustSavedModel;
      return eval.call();
    }
    if (images.isEmpty()) {
      throw new IllegalArgumentException("give image files, or --dataset D [--split test]");
    }
    try (ExportedModel m = ExportedModel.load(model, InspectCommand.trust(trustSavedModel))) {
      Shape hwc = m.imageShape();
      int h = (int) hwc.get(0);
      int w = (int) hwc.get(1);
      int c = (int) hwc.get(2);
      int classes = 0;
      for (Path file : images) {
        float[] pixels = decode(file, h, w, c);
        try (TFloat32 x = TFloat32.tensorOf(Shape.of(1, h, w, c), DataBuffers.of(pixels, true, false))) {
          float[] p = m.probabilities(x);
          classes = p.length;
          Integer[] order = new Integer[p.length];
          for (int i = 0; i < order.length; i++) {
            order[i] = i;
          }
          java.util.Arrays.sort(order, (a, b) -> Float.compare(p[b], p[a]));
          StringBuilder line = new StringBuilder(file.toString()).append(':');
          for (int k = 0; k < Math.min(top, classes); k++) {
            int cls = order[k];
            String name = cls < m.classNames().size() ? m.classNames().get(cls) : Integer.toString(cls);
            line.append(String.format(" %s %.1f%%", name, 100 * p[cls]));
          }
          spec.commandLine().getOut().println(line);
        }
      }
      spec.commandLine().getOut().flush();
      return 0;
    }
  }

  /**
   * Decodes, converts to the model's channels and resizes to its size exactly as training decoded image files
   * (RGB, antialiased bilinear resize, ITU-R 601 luma for one channel; {@code ImageFolderReader.decode}); pixels /
   * 255.
   */
  static float[] decode(Path file, int h, int w, int c) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("no such image file: " + file);
    }
    byte[] hwc = ImageFolderReader.decode(file, h, w, c);
    float[] out = new float[hwc.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = (hwc[i] & 0xff) / 255f;
    }
    return out;
  }
}
