# Sourced by ./spinal, ./run-main, ./run-tests and benchmarks/peers/run: chooses TensorFlow's oneDNN setting
# (TF_ENABLE_ONEDNN_OPTS, read once when TensorFlow's native library loads) by measurement on this CPU.
#
#   spinal_onednn train|infer
#
# A value the user exported wins and is left alone. Otherwise the first call on a machine measures VGG-5
# training images/s and batch-1 inference latency with oneDNN on and off (dev.spinal.benchmarks.KernelProbe,
# two interleaved rounds, about two minutes) and caches the choice per CPU model, CPU flags and project
# version in ~/.cache/spinal/onednn/; later calls read the cache. `train` picks the faster training
# setting, `infer` the lower latency. SPINAL_ONEDNN_REASON tells the Java side what was chosen and why
# (it logs one line: "TensorFlow oneDNN kernels: on (...)").
# SPINAL_ONEDNN=measure|on|off|tf (default measure; tf: TensorFlow's own default) overrides the choice.

spinal_onednn() {
  local use="$1"
  if [ -n "${TF_ENABLE_ONEDNN_OPTS+x}" ]; then
    export SPINAL_ONEDNN_REASON="${SPINAL_ONEDNN_REASON:-set by the user}"
    return 0
  fi
  case "${SPINAL_ONEDNN:-measure}" in
    on) export TF_ENABLE_ONEDNN_OPTS=1 SPINAL_ONEDNN_REASON="SPINAL_ONEDNN=on"; return 0 ;;
    off) export TF_ENABLE_ONEDNN_OPTS=0 SPINAL_ONEDNN_REASON="SPINAL_ONEDNN=off"; return 0 ;;
    tf) return 0 ;;
  esac
  local root key cache
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  # the CPU and what is measured (TensorFlow's pinned version, the probe), not where the checkout lives nor the
  # project's other dependencies
  key="$( (grep -m1 'model name' /proc/cpuinfo; grep -m1 '^flags' /proc/cpuinfo; \
    grep -E '<tensorflow[a-z.-]*version>' "$root/pom.xml"; \
    cat "$root/benchmarks/src/main/java/dev/spinal/benchmarks/KernelProbe.java") \
    | sha256sum | cut -c1-16)"
  cache="${SPINAL_CACHE:-$HOME/.cache/spinal}/onednn/$key.env"
  if [ ! -f "$cache" ]; then
    mkdir -p "$(dirname "$cache")"
    # one measurement per machine: a second ./spinal started meanwhile waits for it (two at once would share the
    # cores, measure each other, and write the same temporary file), then reads its result
    if ! (
      command -v flock >/dev/null && { flock 9 || exit 1; }
      [ -f "$cache" ] || spinal_onednn_measure "$root" "$cache"
    ) 9>"$cache.lock"; then
      echo "spinal: could not measure oneDNN on this CPU; TensorFlow's default applies" >&2; return 0
    fi
  fi
  # shellcheck disable=SC1090
  . "$cache"
  if [ "$use" = infer ]; then
    export TF_ENABLE_ONEDNN_OPTS="$ONEDNN_INFER" SPINAL_ONEDNN_REASON="$ONEDNN_INFER_REASON"
  else
    export TF_ENABLE_ONEDNN_OPTS="$ONEDNN_TRAIN" SPINAL_ONEDNN_REASON="$ONEDNN_TRAIN_REASON"
  fi
}

# Measures both settings (rounds interleaved: off, on, off, on) and writes the cache file atomically.
spinal_onednn_measure() {
  local root="$1" cache="$2" cp tmp r setting line
  cp="$root/spinal-cli/target/classes:$(cat "$root/spinal-cli/target/classpath.txt")"
  echo "spinal: measuring TensorFlow's oneDNN kernels on this CPU (once per machine, about two minutes)..." >&2
  tmp="$(mktemp)"
  for r in 1 2; do
    for setting in 0 1; do
      line="$(TF_ENABLE_ONEDNN_OPTS=$setting TF_CPP_MIN_LOG_LEVEL=2 java -Xmx2g -cp "$cp" \
        dev.spinal.benchmarks.KernelProbe 12 200 2>/dev/null | tail -n 1)" || { rm -f "$tmp"; return 1; }
      echo "$setting $line" >> "$tmp"
    done
  done
  mkdir -p "$(dirname "$cache")"
  python3 - "$tmp" "$cache.tmp" <<'PY' || { rm -f "$tmp" "$cache.tmp"; return 1; }
import json, sys, statistics
rows = {}
for line in open(sys.argv[1]):
    setting, js = line.split(" ", 1)
    rows.setdefault(setting, []).append(json.loads(js))
train = {s: statistics.median(r["train_images_per_second"] for r in v) for s, v in rows.items()}
infer = {s: statistics.median(r["infer_b1_ms"] for r in v) for s, v in rows.items()}
t = "1" if train["1"] > train["0"] else "0"
i = "1" if infer["1"] < infer["0"] else "0"
word = {"1": "on", "0": "off"}
with open(sys.argv[2], "w") as out:
    out.write(f'ONEDNN_TRAIN={t}\n')
    out.write(f'ONEDNN_TRAIN_REASON="chosen by measurement on this CPU: VGG-5 training {train["1"]:.1f} images/s'
              f' with oneDNN on vs {train["0"]:.1f} off"\n')
    out.write(f'ONEDNN_INFER={i}\n')
    out.write(f'ONEDNN_INFER_REASON="chosen by measurement on this CPU: batch-1 latency {infer["1"]:.2f} ms'
              f' with oneDNN on vs {infer["0"]:.2f} off"\n')
print(f"spinal: oneDNN for training: {word[t]} ({train['1']:.1f} vs {train['0']:.1f} images/s on/off);"
      f" for inference: {word[i]} ({infer['1']:.2f} vs {infer['0']:.2f} ms on/off)", file=sys.stderr)
PY
  mv "$cache.tmp" "$cache"
  rm -f "$tmp"
}
