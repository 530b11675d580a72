package dev.spinal.core.count;

import com.google.common.collect.ImmutableList;
import dev.spinal.core.backbones.Backbone;
import dev.spinal.core.backbones.Vgg5Backbone;
import dev.spinal.core.heads.Head;
import dev.spinal.core.heads.HeadKind;
import dev.spinal.core.heads.HeadSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * Parameter and FLOP counts of the three heads at the paper's settings: VGG-5 features (256-d, width
 * 64, depth 4, 10 and 26 classes) and wide ResNet-101 features (2048-d, width 256 and 1024, depth 4,
 * 250 and 101 classes). Counts come from each head's analytic formula, which tests check against the
 * variables a built graph really holds.
 *
 * <p>Run: {@code ./spinal params}, or {@code mvn -q -pl spinal-core exec:java
 * -Dexec.mainClass=dev.spinal.core.count.ParameterTable}.
 */
public final class ParameterTable {

  /** One setting of the paper's table. */
  public record Setting(String backbone, long features, long width, int depth, int classes) {}

  /** The settings the paper's experiments use. */
  public static final List<Setting> PAPER_SETTINGS =
      ImmutableList.of(
          new Setting("VGG-5", 256, 64, 4, 10),
          new Setting("VGG-5", 256, 64, 4, 26),
          new Setting("wide ResNet-101", 2048, 256, 4, 250),
          new Setting("wide ResNet-101", 2048, 1024, 4, 250),
          new Setting("wide ResNet-101", 2048, 256, 4, 101));

  /** One row: a head at a setting. */
  public record Row(Setting setting, HeadKind kind, long parameters, long flops) {}

  private ParameterTable() {}

  public static List<Row> rows() {
    List<Row> rows = new ArrayList<>();
    for (Setting s : PAPER_SETTINGS) {
      HeadSpec spec =
          HeadSpec.builder()
              .inputSize(s.features())
              .width(s.width())
              .depth(s.depth())
              .classes(s.classes())
              .build();
      for (HeadKind kind : HeadKind.values()) {
        Head head = kind.create(spec);
        rows.add(new Row(s, kind, head.parameterCount(), head.flopsPerExample()));
      }
    }
    return rows;
  }

  /** The table as text, heads grouped by setting, with each head's size relative to the dense one. */
  public static String render() {
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            "%-16s %8s %6s %6s %8s  %-12s %12s %14s %9s%n",
            "backbone", "features", "width", "depth", "classes", "head", "parameters", "FLOPs/example", "vs dense"));
    List<Row> rows = rows();
    for (Row r : rows) {
      long dense =
          rows.stream()
              .filter(o -> o.setting().equals(r.setting()) && o.kind() == HeadKind.DENSE)
              .findFirst()
              .orElseThrow()
              .parameters();
      Setting s = r.setting();
      sb.append(
          String.format(
              "%-16s %8d %6d %6d %8d  %-12s %,12d %,14d %8.2fx%n",
              s.backbone(), s.features(), s.width(), s.depth(), s.classes(), r.kind().cliName(),
              r.parameters(), r.flops(), (double) r.parameters() / dense));
    }
    Backbone vgg = new Vgg5Backbone();
    sb.append(
        String.format(
            "%nbackbone vgg5 (28x28x1): %,d parameters, %,d FLOPs/example%n",
            vgg.parameterCount(), vgg.flopsPerExample()));
    return sb.toString();
  }

  public static void main(String[] args) {
    System.out.print(render());
  }
}
