package dev.spinal.train;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spinal.train.cli.SpinalCli;
import org.junit.jupiter.api.Test;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.RewriterConfig;
import picocli.CommandLine;

/** {@code --precision}: parsed, kept in config.json for --resume, and turned into the session rewrite. */
class PrecisionTest {

  @Test
  void bf16TurnsOnOneDnnMixedPrecisionAndFp32ChangesNothing() {
    ConfigProto base = ConfigProto.newBuilder().setIntraOpParallelismThreads(2).build();
    ConfigProto bf16 = Precision.BF16.apply(base);
    assertThat(bf16.getGraphOptions().getRewriteOptions().getAutoMixedPrecisionOnednnBfloat16())
        .isEqualTo(RewriterConfig.Toggle.ON);
    assertThat(bf16.getIntraOpParallelismThreads()).isEqualTo(2);
    assertThat(Precision.FP32.apply(base)).isSameAs(base);
    assertThat(Precision.BF16.apply(null).getGraphOptions().getRewriteOptions()
        .getAutoMixedPrecisionOnednnBfloat16()).isEqualTo(RewriterConfig.Toggle.ON);
  }

  @Test
  void configJsonKeepsThePrecisionAndOldConfigsReadAsFp32() throws Exception {
    TrainConfig config = ResumeAndExportTest.config().withPrecision(Precision.BF16);
    String json = Checkpoints.JSON.writeValueAsString(config);
    assertThat(Checkpoints.JSON.readValue(json, TrainConfig.class).precision()).isEqualTo(Precision.BF16);

    ObjectNode old = (ObjectNode) Checkpoints.JSON.readTree(json);
    old.remove("precision");
    assertThat(Checkpoints.JSON.treeToValue(old, TrainConfig.class).precision()).isEqualTo(Precision.FP32);
    assertThat(ResumeAndExportTest.config().precision()).isEqualTo(Precision.FP32);
  }

  @Test
  void badValueNamesTheChoices() {
    CommandLine cli = SpinalCli.commandLine();
    java.io.StringWriter err = new java.io.StringWriter();
    cli.setErr(new java.io.PrintWriter(err));
    int exit = cli.execute("train", "--recipe", "fashion-mnist-vgg5", "--precision", "fp16", "--out", "/tmp/never");
    assertThat(exit).isEqualTo(1);
    assertThat(err.toString()).contains("unknown precision 'fp16'; expected fp32 or bf16");
  }
}
