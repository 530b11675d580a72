#!/usr/bin/env bash
# Regenerates the committed backbones of saved-models/. One target per backbone:
#
#   bash saved-models/make_backbones.sh fmnist04-cnn         # train the small CNN (~3.5 min, 2 cores), export tf2 + graph
#   bash saved-models/make_backbones.sh fmnist04-cnn-export  # re-export from the committed sources/fmnist04-cnn.keras
#   bash saved-models/make_backbones.sh mobilenetv2-32       # keras.applications MobileNetV2 alpha 0.35, 32x32x3, weights=None
#   bash saved-models/make_backbones.sh all
#
# and one that is built into a per-machine cache instead (14 MB per export, not committed):
#
#   bash saved-models/make_backbones.sh efficientnet-lite0 [--size S]
#       ImageNet-pretrained EfficientNet-Lite0 converted from PyTorch (efficientnet_lite_dump.py in the PyTorch
#       venv, then efficientnet_lite_convert.py), checked against PyTorch on sample photos, exported as
#       $SPINAL_BACKBONES/efficientnet-lite0-S/ (tf2) and .../efficientnet-lite0-S-graph/ (graph), S = 224 by
#       default (SPINAL_BACKBONES defaults to ~/.cache/spinal/backbones). Quick when already built: each export
#       records a key of the scripts and requirements it came from and is rebuilt when that key changes.
#
# Uses the venv of setup-python.sh (created on first use), and for efficientnet-lite0 the PyTorch venv of
# benchmarks/peers/setup-torch.sh (only when the PyTorch dump has to be (re)made).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
invoked_from="$PWD"  # a relative SPINAL_BACKBONES is relative to where the command runs, as for Spinal itself
PY="$(bash "$here/setup-python.sh" | tail -n 1)"
cd "$here"

fmnist_train() {
  "$PY" train_small_cnn.py --seed 1234 --epochs 6 \
    --out-model sources/fmnist04-cnn.keras --out-provenance sources/fmnist04-cnn.training.json
}

fmnist_export() {
  for format in tf2 graph; do
    out=fmnist04-cnn; [[ $format == graph ]] && out=fmnist04-cnn-graph
    "$PY" export_backbone.py --model-file sources/fmnist04-cnn.keras --feature-layer features \
      --preprocessing scale_0_1 --provenance sources/fmnist04-cnn.training.json \
      --format "$format" --out "$out" --overwrite
  done
}

mobilenet() {
  for format in tf2 graph; do
    out=mobilenetv2-32; [[ $format == graph ]] && out=mobilenetv2-32-graph
    "$PY" export_backbone.py --application MobileNetV2 --kwarg alpha=0.35 --input-size 32 32 \
      --weights none --pooling avg --seed 0 --format "$format" --out "$out" --overwrite
  done
}

# The key of what a cached build came from: the given files' contents and the extra words.
build_key() {
  local words="$1"; shift
  { printf '%s\n' "$words"; sha256sum "$@" | cut -d' ' -f1; } | sha256sum | cut -d' ' -f1
}

efficientnet_lite0() {
  local size=224
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --size) size="${2:?--size needs a value}"; shift 2 ;;
      *) echo "make_backbones: efficientnet-lite0: unknown argument '$1' (expected --size S)" >&2; exit 2 ;;
    esac
  done
  [[ "$size" =~ ^[0-9]+$ ]] && (( size >= 32 )) \
    || { echo "make_backbones: --size must be an integer >= 32, got '$size'" >&2; exit 2; }
  local root="${SPINAL_BACKBONES:-$HOME/.cache/spinal/backbones}"
  [[ "$root" == /* ]] || root="$invoked_from/$root"
  local name="efficientnet-lite0-$size"
  local dump="$root/sources/$name.npz"
  local tf2="$root/$name" graph="$root/$name-graph"
  mkdir -p "$root/sources"
  exec 9>"$root/.make_backbones.lock"
  flock 9  # one build at a time per cache (run-tests' pytest and a user may both ask)

  local dump_key key
  dump_key="$(build_key "dump $size" efficientnet_lite_dump.py ../benchmarks/peers/requirements-torch.txt)"
  if [[ ! -f "$dump" || "$(cat "$dump.key" 2>/dev/null)" != "$dump_key" ]]; then
    echo "make_backbones: $name: dumping the PyTorch model (PyTorch venv)" >&2
    local torch_py
    torch_py="$(bash ../benchmarks/peers/setup-torch.sh | tail -n 1)"
    "$torch_py" efficientnet_lite_dump.py weights --size "$size" --out "$dump"
    printf '%s\n' "$dump_key" > "$dump.key.tmp" && mv "$dump.key.tmp" "$dump.key"
  fi
  key="$(build_key "convert $size $dump_key" efficientnet_lite.py efficientnet_lite_convert.py export_backbone.py \
    requirements.txt)"
  local args=()
  grep -qs "\"build_key\": \"$key\"" "$tf2/backbone.json" || args+=(--out-tf2 "$tf2")
  grep -qs "\"build_key\": \"$key\"" "$graph/backbone.json" || args+=(--out-graph "$graph")
  if [[ ${#args[@]} -eq 0 ]]; then
    echo "make_backbones: $name: up to date in $tf2 and $graph" >&2
    return
  fi
  "$PY" efficientnet_lite_convert.py --dump "$dump" --build-key "$key" "${args[@]}"
}

case "${1:-all}" in
  fmnist04-cnn) fmnist_train; fmnist_export ;;
  fmnist04-cnn-export) fmnist_export ;;
  mobilenetv2-32) mobilenet ;;
  all) fmnist_train; fmnist_export; mobilenet ;;
  efficientnet-lite0) shift; efficientnet_lite0 "$@" ;;
  *) echo "usage: $0 fmnist04-cnn|fmnist04-cnn-export|mobilenetv2-32|all|efficientnet-lite0 [--size S]" >&2; exit 2 ;;
esac
