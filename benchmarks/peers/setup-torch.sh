#!/usr/bin/env bash
# The PyTorch peer's venv: requirements-torch.txt installed (only when it changed) by the same script
# that makes the TensorFlow venv. The first install pulls torch's CUDA runtime wheels, ~5 GB (PyPI has no
# CPU-only Linux wheel). The last line printed is the venv's python:
#   PY=$(bash benchmarks/peers/setup-torch.sh | tail -n 1)
#
# Environment: SPINAL_TORCH_VENV  venv directory (default $HOME/.cache/spinal/venv-torch)
#              SPINAL_PYTHON      interpreter used to create it (default python3)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec bash "$here/../../saved-models/setup-python.sh" "$here/requirements-torch.txt" \
  "${SPINAL_TORCH_VENV:-$HOME/.cache/spinal/venv-torch}"
