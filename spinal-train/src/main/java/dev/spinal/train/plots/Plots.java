package dev.spinal.train.plots;

import static com.google.common.base.Preconditions.checkArgument;

import dev.spinal.savedmodel.TemporaryFolders;
import dev.spinal.train.EpochMetrics;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.CombinedRangeXYPlot;
import org.jfree.chart.plot.DatasetRenderingOrder;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.ScatterRenderer;
import org.jfree.chart.renderer.category.StatisticalBarRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.data.statistics.DefaultMultiValueCategoryDataset;
import org.jfree.data.statistics.DefaultStatisticalCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The PNG charts of {@code spinal ablate}, {@code spinal train} and {@code spinal grad-flow}, drawn with
 * JFreeChart.
 *
 * <p>Why JFreeChart: it is pure Java with no runtime dependencies, still released (1.5.x), and has what
 * these charts need (bars with error bars from a mean and a standard deviation, points per seed, log axes,
 * panels that share an axis). A Java user of the library then gets the charts with nothing else installed;
 * matplotlib would have made every {@code spinal ablate} need the Python environment, and XChart was not
 * among the packages known to resolve here. Rendering is headless (no display needed): the JDK's Java2D
 * with the system's fonts (Debian's JDK pulls in fontconfig and DejaVu).
 *
 * <p>Every chart is written to a temporary file beside the target and renamed, so a reader never sees half
 * a PNG.
 */
public final class Plots {

  /** Size of {@link #accuracyByHead}'s PNG. */
  public static final int ACCURACY_WIDTH = 900;
  public static final int ACCURACY_HEIGHT = 560;
  /** Size of {@link #trainingCurves}'s, {@link #validationCurves}'s and {@link #runCurves}'s PNGs. */
  public static final int CURVES_WIDTH = 900;
  public static final int CURVES_HEIGHT = 680;
  /** Size of {@link #gradientFlow}'s PNG. */
  public static final int FLOW_WIDTH = 1200;
  public static final int FLOW_HEIGHT = 560;

  static {
    // no display is needed (or used) to draw into an image
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
  }

  private static final Color[] PALETTE = {
    new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728), new Color(0x9467bd),
    new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f)
  };

  private Plots() {}

  /**
   * One head's bar: the honest test accuracy (at the best-validation epoch) of each seed, and the paper's
   * protocol (best test accuracy over the epochs) of one seed, as fractions in [0, 1].
   */
  public record HeadBar(String head, double[] perSeed, double paperProtocol, long paperProtocolSeed) {
    public HeadBar {
      checkArgument(perSeed.length >= 1, "HeadBar %s has no accuracies", head);
      perSeed = perSeed.clone();
    }
  }

  /**
   * Test accuracy per head: a bar at the mean over seeds with an error bar of one standard deviation, each
   * seed's accuracy as a point on it, and beside it the paper's protocol of one seed, labelled so.
   */
  public static void accuracyByHead(String title, List<HeadBar> heads, Path png) {
    checkArgument(!heads.isEmpty(), "no heads to plot");
    DefaultStatisticalCategoryDataset bars = new DefaultStatisticalCategoryDataset();
    DefaultMultiValueCategoryDataset points = new DefaultMultiValueCategoryDataset();
    String honest = "test accuracy at the best-validation epoch: mean ± sd over seeds";
    String paper = "paper's protocol: best test accuracy over epochs, one seed";
    double lo = 100;
    double hi = 0;
    long paperSeed = heads.get(0).paperProtocolSeed();
    for (HeadBar h : heads) {
      double[] pct = new double[h.perSeed().length];
      double mean = 0;
      for (int i = 0; i < pct.length; i++) {
        pct[i] = 100 * h.perSeed()[i];
        mean += pct[i] / pct.length;
      }
      double sd = 0;
      for (double v : pct) {
        sd += (v - mean) * (v - mean);
      }
      sd = pct.length > 1 ? Math.sqrt(sd / (pct.length - 1)) : 0;
      bars.add(mean, sd, honest, h.head());
      // no error bar: one run
      bars.add(Double.valueOf(100 * h.paperProtocol()), null, paper + " (seed " + paperSeed + ")", h.head());
      List<Double> seedPoints = new ArrayList<>();
      for (double v : pct) {
        seedPoints.add(v);
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      points.add(seedPoints, "each seed", h.head());
      // an empty second series: with it the points sit over the first (honest) bar, not between the two
      points.add(List.of(), " ", h.head());
      lo = Math.min(lo, Math.min(mean - sd, 100 * h.paperProtocol()));
      hi = Math.max(hi, Math.max(mean + sd, 100 * h.paperProtocol()));
    }
    StatisticalBarRenderer barRenderer = new StatisticalBarRenderer();
    barRenderer.setErrorIndicatorPaint(Color.BLACK);
    barRenderer.setErrorIndicatorStroke(new BasicStroke(1.5f));
    barRenderer.setSeriesPaint(0, PALETTE[0]);
    barRenderer.setSeriesPaint(1, new Color(0xbbbbbb));
    barRenderer.setItemMargin(0.05);
    barRenderer.setDrawBarOutline(false);
    barRenderer.setShadowVisible(false);
    barRenderer.setBarPainter(new org.jfree.chart.renderer.category.StandardBarPainter());
    NumberAxis y = new NumberAxis("test accuracy (%)");
    // differences between heads are a fraction of a percent: bars from 0 would hide them
    double span = Math.max(hi - lo, 0.5);
    y.setRange(Math.max(0, lo - 0.6 * span), Math.min(100, hi + 0.3 * span));
    y.setAutoRangeIncludesZero(false);
    CategoryPlot plot = new CategoryPlot(bars, new CategoryAxis("head"), y, barRenderer);
    ScatterRenderer scatter = new ScatterRenderer();
    scatter.setSeriesPaint(0, Color.BLACK);
    scatter.setSeriesShape(0, new java.awt.geom.Ellipse2D.Double(-3.5, -3.5, 7, 7));
    scatter.setSeriesVisibleInLegend(1, false);
    scatter.setUseSeriesOffset(true);
    scatter.setItemMargin(barRenderer.getItemMargin());
    plot.setDataset(1, points);
    plot.setRenderer(1, scatter);
    plot.setDatasetRenderingOrder(DatasetRenderingOrder.FORWARD);
    plot.getDomainAxis().setTickLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
    plot.setBackgroundPaint(Color.WHITE);
    plot.setRangeGridlinePaint(new Color(0xdddddd));
    JFreeChart chart = new JFreeChart(title, titleFont(), plot, true);
    chart.setBackgroundPaint(Color.WHITE);
    save(chart, png, ACCURACY_WIDTH, ACCURACY_HEIGHT);
  }

  /**
   * One run's curves per epoch: accuracy (train, validation, test) above, loss (train, validation, test)
   * below.
   */
  public static void trainingCurves(String title, List<EpochMetrics> history, Path png) {
    checkArgument(!history.isEmpty(), "no epochs to plot");
    Map<String, ToDoubleFunction<EpochMetrics>> accuracy = new LinkedHashMap<>();
    accuracy.put("train", m -> 100 * m.trainAccuracy());
    accuracy.put("validation", m -> 100 * m.validationAccuracy());
    accuracy.put("test", m -> 100 * m.testAccuracy());
    Map<String, ToDoubleFunction<EpochMetrics>> loss = new LinkedHashMap<>();
    loss.put("train", EpochMetrics::trainLoss);
    loss.put("validation", EpochMetrics::validationLoss);
    loss.put("test", EpochMetrics::testLoss);
    NumberAxis epochs = epochAxis(history.size());
    CombinedDomainXYPlot plot = new CombinedDomainXYPlot(epochs);
    plot.add(curvePanel(Map.of("", Map.of("", history)), accuracy, "accuracy (%)", true), 1);
    // same colours and shapes below: one legend (train, validation, test) serves both panels
    plot.add(curvePanel(Map.of("", Map.of("", history)), loss, "cross-entropy", false), 1);
    plot.setGap(12);
    JFreeChart chart = new JFreeChart(title, titleFont(), plot, true);
    chart.setBackgroundPaint(Color.WHITE);
    save(chart, png, CURVES_WIDTH, CURVES_HEIGHT);
  }

  /**
   * Validation accuracy per epoch of several runs, one line each: a colour per group (e.g. the head), a
   * marker and dash per member (e.g. the seed).
   *
   * @param groups group name to (member name to that run's epochs)
   */
  public static void validationCurves(String title, Map<String, Map<String, List<EpochMetrics>>> groups, Path png) {
    checkArgument(!groups.isEmpty(), "no runs to plot");
    int epochs = groups.values().stream().flatMap(m -> m.values().stream()).mapToInt(List::size).max().orElse(1);
    Map<String, ToDoubleFunction<EpochMetrics>> accuracy = Map.of("", m -> 100 * m.validationAccuracy());
    XYPlot panel = curvePanel(groups, accuracy, "validation accuracy (%)", true);
    panel.setDomainAxis(epochAxis(epochs));
    JFreeChart chart = new JFreeChart(title, titleFont(), panel, true);
    chart.setBackgroundPaint(Color.WHITE);
    save(chart, png, CURVES_WIDTH, CURVES_HEIGHT);
  }

  /**
   * Several runs side by side: validation accuracy per epoch above, test accuracy below, one colour per run (e.g.
   * the same seed with and without a setting).
   *
   * @param runs run name to its epochs, in legend order
   */
  public static void runCurves(String title, Map<String, List<EpochMetrics>> runs, Path png) {
    checkArgument(!runs.isEmpty(), "no runs to plot");
    Map<String, Map<String, List<EpochMetrics>>> groups = new LinkedHashMap<>();
    runs.forEach((name, history) -> groups.put(name, Map.of("", history)));
    int epochs = runs.values().stream().mapToInt(List::size).max().orElse(1);
    CombinedDomainXYPlot plot = new CombinedDomainXYPlot(epochAxis(epochs));
    plot.add(curvePanel(groups, Map.of("", m -> 100 * m.validationAccuracy()), "validation accuracy (%)", true), 1);
    // the same colour per run below: one legend serves both panels
    plot.add(curvePanel(groups, Map.of("", m -> 100 * m.testAccuracy()), "test accuracy (%)", false), 1);
    plot.setGap(12);
    JFreeChart chart = new JFreeChart(title, titleFont(), plot, true);
    chart.setBackgroundPaint(Color.WHITE);
    save(chart, png, CURVES_WIDTH, CURVES_HEIGHT);
  }

  /**
   * The gradient-flow profile: {@code ||dL/dW||} of each layer, first hidden layer to output layer, one line
   * per head, on a log axis; one panel per activation (e.g. sigmoid, ReLU), sharing the axis.
   *
   * @param panels activation name to (head name to the norms of its layers, input layer first)
   */
  public static void gradientFlow(String title, Map<String, Map<String, double[]>> panels, Path png) {
    checkArgument(!panels.isEmpty(), "no gradient-flow profiles to plot");
    LogAxis norm = new LogAxis("||dL/dW|| of the layer's weights (log scale)");
    norm.setSmallestValue(1e-30);
    norm.setBase(10);
    norm.setNumberFormatOverride(new java.text.DecimalFormat("0.#E0"));
    CombinedRangeXYPlot plot = new CombinedRangeXYPlot(norm);
    double min = Double.POSITIVE_INFINITY;
    double max = 0;
    boolean first = true;
    for (Map.Entry<String, Map<String, double[]>> panel : panels.entrySet()) {
      XYSeriesCollection data = new XYSeriesCollection();
      int layers = 1;
      for (Map.Entry<String, double[]> head : panel.getValue().entrySet()) {
        XYSeries s = new XYSeries(head.getKey());
        double[] v = head.getValue();
        for (int i = 0; i < v.length; i++) {
          if (v[i] > 0 && Double.isFinite(v[i])) {
            s.add(i + 1, v[i]);
            min = Math.min(min, v[i]);
            max = Math.max(max, v[i]);
          }
        }
        layers = Math.max(layers, v.length);
        data.addSeries(s);
      }
      NumberAxis x = new NumberAxis(panel.getKey() + ": layer (1 = first hidden, " + layers + " = output)");
      x.setTickUnit(new NumberTickUnit(layers > 20 ? 5 : layers > 10 ? 2 : 1));
      x.setRange(0.5, layers + 0.5);
      XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
      for (int i = 0; i < data.getSeriesCount(); i++) {
        // a head looks the same in every panel, and the legend names it once
        renderer.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
        renderer.setSeriesShape(i, SHAPES[i % SHAPES.length]);
        renderer.setSeriesStroke(i, new BasicStroke(2f));
        renderer.setSeriesVisibleInLegend(i, first);
      }
      first = false;
      XYPlot sub = new XYPlot(data, x, null, renderer);
      sub.setBackgroundPaint(Color.WHITE);
      sub.setDomainGridlinePaint(new Color(0xdddddd));
      sub.setRangeGridlinePaint(new Color(0xdddddd));
      plot.add(sub, 1);
    }
    if (max > 0) {
      norm.setRange(min / 3, max * 3);
    }
    plot.setGap(16);
    JFreeChart chart = new JFreeChart(title, titleFont(), plot, true);
    chart.setBackgroundPaint(Color.WHITE);
    chart.addSubtitle(new TextTitle("a flat line: every layer gets a gradient like the last one's (a gradient"
        + " highway); a falling one: the first layers' gradients vanish"));
    save(chart, png, FLOW_WIDTH, FLOW_HEIGHT);
  }

  private static final java.awt.Shape[] SHAPES = {
    new java.awt.geom.Rectangle2D.Double(-3.5, -3.5, 7, 7),
    new java.awt.geom.Ellipse2D.Double(-4, -4, 8, 8),
    new java.awt.Polygon(new int[] {0, 4, -4}, new int[] {-4, 4, 4}, 3),
    new java.awt.Polygon(new int[] {0, 4, 0, -4}, new int[] {-4, 0, 4, 0}, 4),
    new java.awt.Polygon(new int[] {-4, 4, 0}, new int[] {-4, -4, 4}, 3),
  };

  private static final float[][] DASHES = {null, {7f, 4f}, {2f, 3f}, {9f, 3f, 2f, 3f}};

  /**
   * A panel of one line per (group, member, curve). With one group and member the curves differ by colour and
   * marker; otherwise a group has a colour, a member a marker and a dash, and curves are one per member.
   */
  private static XYPlot curvePanel(Map<String, Map<String, List<EpochMetrics>>> groups,
      Map<String, ToDoubleFunction<EpochMetrics>> curves, String label, boolean inLegend) {
    XYSeriesCollection data = new XYSeriesCollection();
    XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
    boolean single = groups.size() == 1 && groups.values().iterator().next().size() == 1;
    int g = 0;
    for (Map.Entry<String, Map<String, List<EpochMetrics>>> group : groups.entrySet()) {
      int member = 0;
      for (Map.Entry<String, List<EpochMetrics>> run : group.getValue().entrySet()) {
        int curve = 0;
        for (Map.Entry<String, ToDoubleFunction<EpochMetrics>> c : curves.entrySet()) {
          String name = (group.getKey() + " " + run.getKey() + " " + c.getKey()).trim();
          XYSeries s = new XYSeries(name.isEmpty() ? label : name);
          for (EpochMetrics m : run.getValue()) {
            double v = c.getValue().applyAsDouble(m);
            if (Double.isFinite(v)) {
              s.add(m.epoch(), v);
            }
          }
          int i = data.getSeriesCount();
          data.addSeries(s);
          int colour = single ? curve : g;
          int mark = single ? curve : member;
          renderer.setSeriesPaint(i, PALETTE[colour % PALETTE.length]);
          renderer.setSeriesShape(i, SHAPES[mark % SHAPES.length]);
          float[] dash = single ? null : DASHES[member % DASHES.length];
          renderer.setSeriesStroke(i, new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, dash, 0f));
          renderer.setSeriesVisibleInLegend(i, inLegend);
          curve++;
        }
        member++;
      }
      g++;
    }
    NumberAxis y = new NumberAxis(label);
    y.setAutoRangeIncludesZero(false);
    XYPlot panel = new XYPlot(data, null, y, renderer);
    panel.setBackgroundPaint(Color.WHITE);
    panel.setDomainGridlinePaint(new Color(0xdddddd));
    panel.setRangeGridlinePaint(new Color(0xdddddd));
    return panel;
  }

  private static NumberAxis epochAxis(int epochs) {
    NumberAxis x = new NumberAxis("epoch");
    x.setTickUnit(new NumberTickUnit(epochs > 20 ? 5 : 1));
    x.setRange(0.5, epochs + 0.5);
    return x;
  }

  private static Font titleFont() {
    return new Font(Font.SANS_SERIF, Font.BOLD, 16);
  }

  /** Writes {@code chart} as a {@code width x height} PNG to a temporary file, then renames it to {@code png}. */
  static void save(JFreeChart chart, Path png, int width, int height) {
    try {
      Path dir = png.toAbsolutePath().getParent();
      Files.createDirectories(dir);
      Path tmp = TemporaryFolders.createFile(dir, ".plot-", ".png");
      try {
        ChartUtils.saveChartAsPNG(tmp.toFile(), chart, width, height);
        Files.move(tmp, png, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the chart " + png + ": " + e.getMessage(), e);
    }
  }
}
