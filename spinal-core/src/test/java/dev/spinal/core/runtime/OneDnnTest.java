package dev.spinal.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** What TensorFlow does with oneDNN for a CPU and a value of TF_ENABLE_ONEDNN_OPTS, in words. */
class OneDnnTest {

  static final List<String> ZEN3 = List.of("model name\t: AMD EPYC", "flags\t\t: fpu sse2 avx avx2 fma");
  static final List<String> ZEN5 = List.of("model name\t: AMD EPYC",
      "flags\t\t: fpu avx2 fma avx512f avx512_vnni avx512_bf16");

  @Test
  void unsetFollowsTensorFlowsDefaultForTheCpu() {
    OneDnn avx2 = OneDnn.of(null, null, ZEN3);
    assertThat(avx2.on()).isFalse();
    assertThat(avx2.cpuClass()).isEqualTo("AMD EPYC, AVX2 (no AVX-512)");
    assertThat(avx2.describe()).contains("off", "TF_ENABLE_ONEDNN_OPTS unset");
    OneDnn avx512 = OneDnn.of(null, null, ZEN5);
    assertThat(avx512.on()).isTrue();
    assertThat(avx512.cpuClass()).isEqualTo("AMD EPYC, AVX-512 + AVX512_BF16");
  }

  @Test
  void theCpuIsNamedWithItsFamilyAndModelAndAmxIsSeen() {
    List<String> xeon = List.of("processor\t: 0", "cpu family\t: 6", "model\t\t: 207",
        "model name\t: Intel(R) Xeon(R) Processor", "flags\t\t: fpu avx2 avx512f avx512_bf16");
    OneDnn noAmx = OneDnn.of(null, null, xeon);
    assertThat(noAmx.cpuClass()).isEqualTo("Intel(R) Xeon(R) Processor (family 6, model 207), AVX-512 + AVX512_BF16");
    assertThat(noAmx.toMap()).containsEntry("amx", false).containsEntry("cpu",
        "Intel(R) Xeon(R) Processor (family 6, model 207)");
    List<String> withAmx = List.of("model name\t: Intel(R) Xeon(R) Platinum",
        "flags\t\t: avx512f avx512_bf16 amx_bf16 amx_tile");
    assertThat(OneDnn.of(null, null, withAmx).cpuClass()).isEqualTo("Intel(R) Xeon(R) Platinum, AVX-512 +"
        + " AVX512_BF16 + AMX");
  }

  @Test
  void theVariableWinsAndTheLaunchersReasonIsShown() {
    OneDnn on = OneDnn.of("1", "measured: training 83 vs 57 img/s", ZEN3);
    assertThat(on.on()).isTrue();
    assertThat(on.describe()).contains("on (TF_ENABLE_ONEDNN_OPTS=1 (measured: training 83 vs 57 img/s))");
    assertThat(OneDnn.of("0", null, ZEN5).on()).isFalse();
    assertThat(OneDnn.of("true", null, ZEN3).on()).isTrue();
  }
}
