#!/usr/bin/env bash
# Creates (once) the Python venv that saved-models/ and the CI export check use, and installs
# requirements.txt into it only when that file changed since the last install (a SHA-256 stamp
# in the venv). Quick when already done. The last line printed is the venv's python path, so a
# caller can do:  PY=$(bash saved-models/setup-python.sh | tail -n 1)
# Optional arguments REQUIREMENTS VENV install another requirements file into another venv
# (benchmarks/peers/setup-torch.sh uses this for the PyTorch peer).
#
# Environment: SPINAL_VENV  venv directory (default $HOME/.cache/spinal/venv)
#              SPINAL_PYTHON  interpreter used to create it (default python3)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
req="${1:-$here/requirements.txt}"
venv="${2:-${SPINAL_VENV:-$HOME/.cache/spinal/venv}}"
base_python="${SPINAL_PYTHON:-python3}"
stamp="$venv/.spinal-requirements.sha256"

if [[ ! -x "$venv/bin/python" ]]; then
  echo "setup-python: creating venv $venv with $($base_python --version 2>&1)" >&2
  mkdir -p "$(dirname "$venv")"
  "$base_python" -m venv "$venv"
fi

want="$(sha256sum "$req" | cut -d' ' -f1)"
have="$(cat "$stamp" 2>/dev/null || true)"
if [[ "$want" != "$have" ]]; then
  echo "setup-python: installing $req into $venv" >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req" >&2
  echo "$want" > "$stamp"
else
  echo "setup-python: $venv is up to date with $(basename "$req")" >&2
fi

echo "$venv/bin/python"
