#!/usr/bin/env bash
# Regenerates the committed backbones of saved-models/. One target per backbone:
#
#   bash saved-models/make_backbones.sh fmnist04-cnn         # train the small CNN (~3.5 min, 2 cores), export tf2 + graph
#   bash saved-models/make_backbones.sh fmnist04-cnn-export  # re-export from the committed sources/fmnist04-cnn.keras
#   bash saved-models/make_backbones.sh mobilenetv2-32       # keras.applications MobileNetV2 alpha 0.35, 32x32x3, weights=None
#   bash saved-models/make_backbones.sh all
#
# Uses the venv of setup-python.sh (created on first use).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
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

case "${1:-all}" in
  fmnist04-cnn) fmnist_train; fmnist_export ;;
  fmnist04-cnn-export) fmnist_export ;;
  mobilenetv2-32) mobilenet ;;
  all) fmnist_train; fmnist_export; mobilenet ;;
  *) echo "usage: $0 fmnist04-cnn|fmnist04-cnn-export|mobilenetv2-32|all" >&2; exit 2 ;;
esac
