package dev.spinal.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.spinal.core.Classifier;
import dev.spinal.datasets.io.NpzWriter;
import dev.spinal.core.GraphContext;
import dev.spinal.core.backbones.Vgg5Backbone;
import dev.spinal.core.heads.HeadKind;
import dev.spinal.core.heads.HeadSpec;
import dev.spinal.core.losses.CrossEntropy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Gradients;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * Writes what the PyTorch and Keras peers need to prove they compute Spinal's function: for one model
 * (VGG-5 + a head, float32) its weights, a fixed batch, the dropout masks Spinal drew for that batch,
 * and Spinal's own logits, loss and gradients. Files in the output folder:
 *
 * <pre>
 * manifest.json   the case (head kind, width, depth, classes, dropout, head batch norm, batch size),
 *                 every variable (name, shape, layout, trainable) and every dropout mask (scope, shape)
 * weights.npz     every variable by its graph name, e.g. vgg5/block1_conv1/kernel,
 *                 progressive_spinal_head/layer2/kernel. Layouts: dense kernel [in, out], conv kernel
 *                 [kh, kw, in, out] (HWIO), bias/gamma/beta/moving_mean/moving_variance [channels]
 * inputs.npz      images [n, 28, 28, 1] (NHWC, already normalized), labels [n] int32,
 *                 mask/SCOPE [n, features] 0/1 keep masks of the dropout at SCOPE (training mode)
 * spinal.npz      eval/logits [n, classes], eval/loss [] (inference mode: dropout off, batch norm on
 *                 moving statistics); train/logits, train/loss and grad/NAME for every trainable
 *                 variable (training mode: the masks above, batch norm on batch statistics)
 * </pre>
 *
 * <p>The loss is the mean softmax cross-entropy of the labels. Batch-norm scale/offset are perturbed
 * away from 1/0 and the moving statistics are updated from the batch a few times before export, so
 * that every parameter matters in both modes. A dropout mask is the {@code StopGradient} input of
 * Spinal's dropout op, read from the graph in the training step whose gradients are exported.
 */
public final class ParityExport {

  /** One parity case. */
  public record Case(String name, HeadKind kind, long width, int depth, int classes, double dropout,
      boolean headBatchNorm, int batch, long seed) {}

  /** The small cases the CI check runs: every head kind, and the progressive head with batch norm. */
  public static List<Case> defaultCases(int batch) {
    return List.of(
        new Case("progressive", HeadKind.PROGRESSIVE, 16, 4, 10, 0.2, false, batch, 11),
        new Case("spinal", HeadKind.SPINAL, 16, 4, 10, 0.2, false, batch, 12),
        new Case("dense", HeadKind.DENSE, 16, 4, 10, 0.2, false, batch, 13),
        new Case("progressive-bn", HeadKind.PROGRESSIVE, 16, 4, 10, 0.2, true, batch, 14));
  }

  private static final long TRAIN_STEP = 7;

  private ParityExport() {}

  /** Writes one case into {@code dir} (created). */
  public static void write(Case c, Path dir) throws IOException {
    write(c, dir, List.of());
  }

  /**
   * As {@link #write(Case, Path)}, plus, for each op named in {@code probes} (e.g. {@code vgg5/MaxPool}),
   * its training-mode output as {@code value/OP} and the loss gradient with respect to it as
   * {@code dvalue/OP} in {@code spinal.npz}: to find where a gradient first differs from a peer's.
   */
  public static void write(Case c, Path dir, List<String> probes) throws IOException {
    Files.createDirectories(dir);
    Vgg5Backbone backbone = new Vgg5Backbone();
    HeadSpec spec = HeadSpec.builder().inputSize(backbone.featureSize()).width(c.width())
        .depth(c.depth()).classes(c.classes()).dropout(c.dropout()).batchNorm(c.headBatchNorm()).build();
    Random random = new Random(c.seed());
    int n = c.batch();
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      labels[i] = random.nextInt(c.classes());
    }

    try (Graph graph = new Graph()) {
      GraphContext ctx = GraphContext.switched(graph, c.seed());
      Ops tf = ctx.tf();
      Placeholder<TFloat32> images =
          tf.withName("images").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 28, 28, 1)));
      Placeholder<TInt32> labelsIn =
          tf.withName("labels").placeholder(TInt32.class, Placeholder.shape(Shape.of(-1)));
      Classifier model = Classifier.build(ctx, images, backbone, c.kind().create(spec));
      Operand<TFloat32> loss = CrossEntropy.mean(tf, labelsIn, model.logits());
      List<Variable<?>> trainable = ctx.trainableVariables();
      List<Variable<?>> state = ctx.nonTrainableVariables();
      List<Operand<?>> wrt = new ArrayList<>(trainable);
      for (String probe : probes) {
        wrt.add(graph.operation(probe).output(0));
      }
      Gradients grads = tf.gradients(loss, wrt);
      List<Output<?>> masks = new ArrayList<>();
      List<String> maskScopes = new ArrayList<>();
      Iterator<GraphOperation> ops = graph.operations();
      while (ops.hasNext()) {
        GraphOperation op = ops.next();
        if (op.type().equals("StopGradient") && !op.name().startsWith("gradients")) {
          masks.add(op.output(0));
          maskScopes.add(op.name().substring(0, op.name().lastIndexOf('/')));
        }
      }

      try (Session session = new Session(graph);
          TInt32 y = TInt32.tensorOf(Shape.of(n), DataBuffers.of(labels, true, false));
          TBool on = TBool.scalarOf(true);
          TInt64 step = TInt64.scalarOf(TRAIN_STEP)) {
        session.initialize();
        perturbBatchNorm(session, tf, trainable, state, random);
        // A batch with no max-pool or ReLU near-tie (see nearTies); redraw until there is none.
        float[] pixels = new float[n * 28 * 28];
        int draws = 0;
        int ties;
        do {
          for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) random.nextGaussian();
          }
          draws++;
          ties = nearTies(session, graph, images, ctx, pixels, n, step);
        } while (ties > 0 && draws < 200);
        if (ties > 0) {
          throw new IllegalStateException(c.name() + ": 200 batches drawn, each with max-pool or ReLU near-ties");
        }
        try (TFloat32 x = TFloat32.tensorOf(Shape.of(n, 28, 28, 1), DataBuffers.of(pixels, true, false))) {
          // Realistic moving statistics: three updates from the batch (momentum 0.1).
          for (int i = 0; i < 3; i++) {
            Session.Runner r = session.runner().feed(images, x).feed(ctx.training(), on);
            ctx.updateOps().forEach(r::addTarget);
            r.run();
          }

          Map<String, Object> manifest = new LinkedHashMap<>();
          manifest.put("case", c.name());
          manifest.put("head", c.kind().name().toLowerCase());
          manifest.put("feature_size", backbone.featureSize());
          manifest.put("width", c.width());
          manifest.put("depth", c.depth());
          manifest.put("classes", c.classes());
          manifest.put("dropout", c.dropout());
          manifest.put("head_batch_norm", c.headBatchNorm());
          manifest.put("batch", n);
          manifest.put("batch_norm", Map.of("epsilon", 1e-5, "momentum_torch", 0.1));
          List<Map<String, Object>> vars = new ArrayList<>();

          try (NpzWriter w = NpzWriter.create(dir.resolve("weights.npz"))) {
            List<Variable<?>> all = new ArrayList<>(trainable);
            all.addAll(state);
            Session.Runner r = session.runner();
            all.forEach(r::fetch);
            try (Result values = r.run()) {
              for (int i = 0; i < all.size(); i++) {
                String name = all.get(i).op().name();
                TFloat32 t = (TFloat32) values.get(i);
                w.putFloats(name, t.shape().asArray(), floats(t));
                Map<String, Object> v = new LinkedHashMap<>();
                v.put("name", name);
                v.put("shape", t.shape().asArray());
                v.put("layout", layout(name, t.shape()));
                v.put("trainable", i < trainable.size());
                vars.add(v);
              }
            }
          }
          manifest.put("variables", vars);

          try (NpzWriter out = NpzWriter.create(dir.resolve("spinal.npz"))) {
            try (Result eval = session.runner().feed(images, x).feed(labelsIn, y)
                .fetch(model.logits()).fetch(loss).run()) {
              TFloat32 logits = (TFloat32) eval.get(0);
              out.putFloats("eval/logits", logits.shape().asArray(), floats(logits));
              out.putFloats("eval/loss", new long[0], floats((TFloat32) eval.get(1)));
            }
            Session.Runner r = session.runner().feed(images, x).feed(labelsIn, y)
                .feed(ctx.training(), on).feed(ctx.step(), step)
                .fetch(model.logits()).fetch(loss);
            for (int i = 0; i < trainable.size(); i++) {
              r.fetch(grads.dy(i));
            }
            masks.forEach(r::fetch);
            for (int i = 0; i < probes.size(); i++) {
              r.fetch(grads.dy(trainable.size() + i));
              r.fetch(graph.operation(probes.get(i)).output(0));
            }
            List<Map<String, Object>> maskInfo = new ArrayList<>();
            try (Result train = r.run();
                NpzWriter in = NpzWriter.create(dir.resolve("inputs.npz"))) {
              TFloat32 logits = (TFloat32) train.get(0);
              out.putFloats("train/logits", logits.shape().asArray(), floats(logits));
              out.putFloats("train/loss", new long[0], floats((TFloat32) train.get(1)));
              for (int i = 0; i < trainable.size(); i++) {
                TFloat32 g = (TFloat32) train.get(2 + i);
                out.putFloats("grad/" + trainable.get(i).op().name(), g.shape().asArray(), floats(g));
              }
              in.putFloats("images", new long[] {n, 28, 28, 1}, pixels);
              in.putInts("labels", new long[] {n}, labels);
              for (int i = 0; i < masks.size(); i++) {
                TFloat32 m = (TFloat32) train.get(2 + trainable.size() + i);
                in.putFloats("mask/" + maskScopes.get(i), m.shape().asArray(), floats(m));
                maskInfo.add(Map.of("scope", maskScopes.get(i), "shape", m.shape().asArray()));
              }
              int at = 2 + trainable.size() + masks.size();
              for (int i = 0; i < probes.size(); i++) {
                TFloat32 d = (TFloat32) train.get(at + 2 * i);
                TFloat32 v = (TFloat32) train.get(at + 2 * i + 1);
                out.putFloats("dvalue/" + probes.get(i), d.shape().asArray(), floats(d));
                out.putFloats("value/" + probes.get(i), v.shape().asArray(), floats(v));
              }
            }
            manifest.put("masks", maskInfo);
          }
          manifest.put("batch_draws", draws);
          new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
              .writeValue(dir.resolve("manifest.json").toFile(), manifest);
        }
      }
    }
  }

  /** Relative distance (to the tensor's largest magnitude) below which a value counts as at a kink. */
  static final double TIE_GAP = 3e-7;

  /**
   * Points where the gradient is decided by float32 round-off, in the training-mode forward pass of
   * {@code pixels}: max-pool windows whose two largest entries are positive and closer than
   * {@link #TIE_GAP} x the tensor's largest value (the whole gradient of the window goes to whichever
   * round-off makes the larger), and ReLU inputs within {@link #TIE_GAP} x the largest magnitude of 0
   * (the gradient passes or not by the sign round-off gives). Frameworks differ in round-off (~1e-6
   * relative here), so a batch with such a point compares round-off, not the function: parity draws
   * batches until there is none. A window whose maximum is 0 sends its gradient into a ReLU at 0 in
   * every framework, so it is no tie.
   */
  static int nearTies(Session session, Graph graph, Placeholder<TFloat32> images, GraphContext ctx,
      float[] pixels, int n, TInt64 step) {
    List<GraphOperation> pools = new ArrayList<>();
    List<GraphOperation> relus = new ArrayList<>();
    Iterator<GraphOperation> it = graph.operations();
    while (it.hasNext()) {
      GraphOperation op = it.next();
      if (op.name().startsWith("gradients") || op.name().startsWith("Gradients")) {
        continue;
      }
      if (op.type().startsWith("MaxPool")) {
        pools.add(op);
      } else if (op.type().equals("Relu")) {
        relus.add(op);
      }
    }
    int ties = 0;
    try (TFloat32 x = TFloat32.tensorOf(Shape.of(n, 28, 28, 1), DataBuffers.of(pixels, true, false));
        TBool on = TBool.scalarOf(true)) {
      Session.Runner r = session.runner().feed(images, x).feed(ctx.training(), on).feed(ctx.step(), step);
      pools.forEach(op -> r.fetch(op.input(0)));
      relus.forEach(op -> r.fetch(op.input(0)));
      try (Result result = r.run()) {
        for (int k = 0; k < pools.size(); k++) {
          ties += poolTies((TFloat32) result.get(k));
        }
        for (int k = 0; k < relus.size(); k++) {
          float[] z = floats((TFloat32) result.get(pools.size() + k));
          double gap = TIE_GAP * maxAbs(z);
          for (float f : z) {
            if (Math.abs(f) < gap) {
              ties++;
            }
          }
        }
      }
    }
    return ties;
  }

  private static int poolTies(TFloat32 t) {
    long[] s = t.shape().asArray(); // [n, h, w, c]
    float[] v = floats(t);
    double gap = TIE_GAP * maxAbs(v);
    int h = (int) s[1];
    int w = (int) s[2];
    int ch = (int) s[3];
    int ties = 0;
    for (int b = 0; b < s[0]; b++) {
      for (int i = 0; i + 1 < h; i += 2) {
        for (int j = 0; j + 1 < w; j += 2) {
          for (int c = 0; c < ch; c++) {
            float first = Float.NEGATIVE_INFINITY;
            float second = Float.NEGATIVE_INFINITY;
            for (int di = 0; di < 2; di++) {
              for (int dj = 0; dj < 2; dj++) {
                float f = v[((b * h + i + di) * w + j + dj) * ch + c];
                if (f > first) {
                  second = first;
                  first = f;
                } else if (f > second) {
                  second = f;
                }
              }
            }
            if (first > 0 && first - second < gap) {
              ties++;
            }
          }
        }
      }
    }
    return ties;
  }

  private static double maxAbs(float[] v) {
    double m = 0;
    for (float f : v) {
      m = Math.max(m, Math.abs(f));
    }
    return m;
  }

  private static String layout(String name, Shape shape) {
    if (name.endsWith("/kernel")) {
      return shape.numDimensions() == 4 ? "conv HWIO [kh, kw, in, out]" : "dense [in, out]";
    }
    return "[channels]";
  }

  /** Scale around 1 and offset around 0, so batch-norm parameters are not the identity. */
  private static void perturbBatchNorm(Session session, Ops tf, List<Variable<?>> trainable,
      List<Variable<?>> state, Random random) {
    for (Variable<?> v : trainable) {
      String name = v.op().name();
      boolean gamma = name.endsWith("/gamma");
      if (gamma || name.endsWith("/beta")) {
        int size = (int) v.shape().size();
        float[] values = new float[size];
        for (int i = 0; i < size; i++) {
          values[i] = (float) (gamma ? 1 + 0.2 * random.nextGaussian() : 0.1 * random.nextGaussian());
        }
        @SuppressWarnings("unchecked")
        Variable<TFloat32> fv = (Variable<TFloat32>) v;
        session.runner().addTarget(tf.assign(fv, tf.constant(values))).run();
      }
    }
  }

  static float[] floats(TFloat32 t) {
    float[] out = new float[(int) t.shape().size()];
    t.asRawTensor().data().asFloats().read(out);
    return out;
  }
}
