"""Parity of this interpreter's peer (PEERS_FRAMEWORK=torch|keras) with Spinal, case by case.

Run by ./parity, which first has Spinal write the cases into PEERS_PARITY_DIR. Each case (VGG-5 +
progressive / spinal / dense head, and the progressive head with batch norm) must reproduce Spinal's
logits and loss in inference and training mode and every weight's gradient to 1e-4 (see parity.py).
"""
import json
import os

import pytest

import parity

DIR = os.environ.get("PEERS_PARITY_DIR", "")
FRAMEWORK = os.environ.get("PEERS_FRAMEWORK", "")
CASES = sorted(os.listdir(DIR)) if os.path.isdir(DIR) else ["<PEERS_PARITY_DIR not set>"]
QUANTITIES = ["logits_eval", "loss_eval", "logits_train", "loss_train", "grads_max", "zero_grads_max"]


@pytest.mark.parametrize("case", CASES)
def test_peer_matches_spinal(case):
    assert os.path.isdir(DIR), "run ./parity: it writes Spinal's cases and sets PEERS_PARITY_DIR"
    assert FRAMEWORK in parity.RUNNERS, f"PEERS_FRAMEWORK must be one of {sorted(parity.RUNNERS)}"
    errors = parity.check_case(FRAMEWORK, os.path.join(DIR, case))
    print(json.dumps({"framework": FRAMEWORK, "case": case, **errors}))
    bad = {k: errors[k] for k in QUANTITIES if errors[k] > parity.TOLERANCE}
    assert not bad, f"{FRAMEWORK} differs from Spinal on {case}: {bad} (worst grad {errors['worst_grad']})"
