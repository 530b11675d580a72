package dev.spinal.core.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.LoggerFactory;

/**
 * Whether TensorFlow's oneDNN CPU kernels are on in this process, and why. TensorFlow reads
 * {@code TF_ENABLE_ONEDNN_OPTS} once, when its native library loads: set it before the JVM starts
 * (the {@code spinal}, {@code run-main} and {@code run-tests} launchers choose it by measurement for
 * the CPU, see the README's "Speed on your CPU"). Unset, TensorFlow turns oneDNN on only on CPUs with
 * AVX512_VNNI, AVX512_BF16 or AMX; on AVX2-only CPUs it stays off although it trains VGG-5 about 1.4x
 * faster there (BENCHMARKS.md).
 *
 * @param on whether oneDNN's kernels are in use
 * @param reason why, in words: the variable's value, or TensorFlow's default for this CPU, plus what
 *     the launcher measured ({@code SPINAL_ONEDNN_REASON})
 * @param cpu the CPU's model name, with its family and model numbers where {@code /proc/cpuinfo} gives them
 *     ({@code Intel(R) Xeon(R) Processor (family 6, model 207)}: the names alone do not tell CPU generations apart)
 * @param avx512 whether the CPU has AVX-512F
 * @param bf16 whether it has AVX512_BF16 (bfloat16 mixed precision through oneDNN)
 * @param amx whether it has AMX tiles ({@code amx_tile}), which make bfloat16 matrix products fast
 */
public record OneDnn(boolean on, String reason, String cpu, boolean avx512, boolean bf16, boolean amx) {

  /** The environment variable TensorFlow reads. */
  public static final String VARIABLE = "TF_ENABLE_ONEDNN_OPTS";
  /** Set by Spinal's launchers to say how they chose {@link #VARIABLE}. */
  public static final String REASON_VARIABLE = "SPINAL_ONEDNN_REASON";

  private static final AtomicBoolean LOGGED = new AtomicBoolean();

  /** The state of this process (from its environment and {@code /proc/cpuinfo}). */
  public static OneDnn current() {
    return of(System.getenv(VARIABLE), System.getenv(REASON_VARIABLE), cpuInfo());
  }

  /** The state for a value of {@link #VARIABLE} (null: unset) on a CPU described by cpuinfo lines. */
  static OneDnn of(String variable, String launcherReason, List<String> cpuinfo) {
    String cpu = field(cpuinfo, "model name").orElse("unknown CPU");
    var family = field(cpuinfo, "cpu family");
    var model = field(cpuinfo, "model");
    if (family.isPresent() && model.isPresent()) {
      cpu += " (family " + family.get() + ", model " + model.get() + ")";
    }
    Set<String> flags = cpuinfo.stream().filter(l -> l.startsWith("flags")).findFirst()
        .map(l -> Set.of(l.substring(l.indexOf(':') + 1).trim().split("\\s+"))).orElse(Set.of());
    boolean avx512 = flags.contains("avx512f");
    boolean bf16 = flags.contains("avx512_bf16");
    boolean amx = flags.contains("amx_tile");
    boolean tfDefault = flags.contains("avx512_vnni") || bf16 || amx;
    boolean on;
    String reason;
    if (variable == null || variable.isBlank()) {
      on = tfDefault;
      reason = VARIABLE + " unset: TensorFlow's default for this CPU (on only with AVX512_VNNI, AVX512_BF16 or AMX)";
    } else {
      String v = variable.trim().toLowerCase(Locale.ROOT);
      on = v.equals("1") || v.equals("true");
      reason = VARIABLE + "=" + variable.trim();
    }
    if (launcherReason != null && !launcherReason.isBlank()) {
      reason += " (" + launcherReason.trim() + ")";
    }
    return new OneDnn(on, reason, cpu, avx512, bf16, amx);
  }

  /** The value of the first cpuinfo line whose key is exactly {@code key} ({@code model} is not {@code model name}). */
  private static java.util.Optional<String> field(List<String> cpuinfo, String key) {
    return cpuinfo.stream().filter(l -> l.indexOf(':') > 0 && l.substring(0, l.indexOf(':')).trim().equals(key))
        .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim());
  }

  /** The CPU class in words, e.g. {@code AMD EPYC, AVX2 (no AVX-512)}. */
  public String cpuClass() {
    return cpu + ", " + (avx512 ? "AVX-512" + (bf16 ? " + AVX512_BF16" : "") + (amx ? " + AMX" : "")
        : "AVX2 (no AVX-512)");
  }

  /** One line: {@code TensorFlow oneDNN kernels: on (TF_ENABLE_ONEDNN_OPTS=1 (...)); CPU: ...}. */
  public String describe() {
    return "TensorFlow oneDNN kernels: " + (on ? "on" : "off") + " (" + reason + "); CPU: " + cpuClass();
  }

  /** As a map, for a results folder's {@code machine.json}. */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("cpu", cpu);
    m.put("avx512f", avx512);
    m.put("avx512_bf16", bf16);
    m.put("amx", amx);
    m.put("onednn", on);
    m.put("onednn_reason", reason);
    m.put("cores", Runtime.getRuntime().availableProcessors());
    return m;
  }

  /** Logs {@link #describe()} once per process (at the first graph a context builds). */
  public static void logOnce() {
    if (LOGGED.compareAndSet(false, true)) {
      LoggerFactory.getLogger(OneDnn.class).info(current().describe());
    }
  }

  private static List<String> cpuInfo() {
    Path file = Path.of("/proc/cpuinfo");
    try (Stream<String> lines = Files.lines(file)) {
      return lines.limit(200).collect(Collectors.toList());
    } catch (IOException | RuntimeException e) {
      return List.of();
    }
  }
}
