#!/usr/bin/env bash
# Creates (once) the PyTorch peer's venv and installs requirements-torch.txt into it only when that
# file changed since the last install (a SHA-256 stamp in the venv). Quick when already done. The last
# line printed is the venv's python:  PY=$(bash benchmarks/peers/setup-torch.sh | tail -n 1)
#
# Environment: SPINAL_TORCH_VENV  venv directory (default $HOME/.cache/spinal/venv-torch)
#              SPINAL_PYTHON      interpreter used to create it (default python3)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
req="$here/requirements-torch.txt"
venv="${SPINAL_TORCH_VENV:-$HOME/.cache/spinal/venv-torch}"
base_python="${SPINAL_PYTHON:-python3}"
stamp="$venv/.spinal-requirements.sha256"

if [[ ! -x "$venv/bin/python" ]]; then
  echo "setup-torch: creating venv $venv with $($base_python --version 2>&1)" >&2
  mkdir -p "$(dirname "$venv")"
  "$base_python" -m venv "$venv"
fi

want="$(sha256sum "$req" | cut -d' ' -f1)"
have="$(cat "$stamp" 2>/dev/null || true)"
if [[ "$want" != "$have" ]]; then
  echo "setup-torch: installing $req into $venv (torch + its CUDA runtime wheels, ~5 GB)" >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req" >&2
  echo "$want" > "$stamp"
else
  echo "setup-torch: $venv is up to date with requirements-torch.txt" >&2
fi

echo "$venv/bin/python"
