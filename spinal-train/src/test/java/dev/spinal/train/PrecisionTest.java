package dev.spinal.train;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.RewriterConfig;

/** {@code precision}: kept in config.json for --resume, and turned into the session rewrite (the CLI flag is spinal-cli's). */
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
}
