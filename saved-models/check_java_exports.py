#!/usr/bin/env python3
"""Check what the Java tests left for Python: SavedModels exported by Spinal's trainer, and its TensorBoard events.

    check_java_exports.py DIR

DIR (``spinal-train/target/python-check`` after ``mvn test``) holds one folder per export, each with
``model/`` (a SavedModel in TF Serving's version-folder layout), ``input.npz`` (``images``) and
``expected.npz`` (Java's ``logits``, ``probabilities``, ``classes`` for that input); ``tensorboard/``
with an event file the Java trainer wrote; and ``tensorboard-gradients/`` with the event file of a run that logged
its gradients (``GradientLoggingTest``) and ``expected.json``, what Java read back from it.

1. Every export goes through ``check_export.check``: ``saved_model_cli show --all`` must list
   ``serving_default`` with static shapes (only the batch dimension -1), and ``tf.saved_model.load`` +
   the signature must reproduce Java's outputs to 1e-5 + 1e-6 relative (classes exactly).
2. The event files are read back with TensorBoard's own ``EventAccumulator`` (the ``tensorboard`` package,
   pinned in requirements.txt: tensorflow-cpu 2.21 no longer pulls it in), as TensorBoard itself reads them:
   the scalars the trainer writes every epoch must be there; in the gradient run every scalar tag of
   ``expected.json`` with exactly its steps (per-layer gradient norms, finite and > 0), and every histogram
   tag with its steps, its value count and (at step 0) its sum, also shown under TensorBoard's Distributions.

Exit 0 when everything matches, 1 on a mismatch, 2 when DIR holds nothing to check.
"""
from __future__ import annotations

import glob
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import check_export  # noqa: E402

TAGS = ("train/loss", "train/accuracy", "validation/accuracy", "test/accuracy", "learning_rate")


def accumulator(event_file):
    """TensorBoard's EventAccumulator over the file, every event kept (no sampling)."""
    try:
        from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    except ImportError as e:
        raise SystemExit(f"check_java_exports: the tensorboard package is missing ({e}); install"
                         " saved-models/requirements.txt (saved-models/setup-python.sh does)")
    acc = EventAccumulator(event_file, size_guidance={"scalars": 0, "histograms": 0, "tensors": 0,
                                                     "compressedHistograms": 0})
    acc.Reload()
    return acc


def read_scalars(acc):
    """{tag: [(step, value), ...]} of the scalars, whether written as simple values or as tensors."""
    tags = acc.Tags()
    out = {t: [(e.step, e.value) for e in acc.Scalars(t)] for t in tags.get("scalars", [])}
    # TF2 summary ops may write tensors; TensorBoard's accumulator files them under "tensors"
    for t in tags.get("tensors", []):
        out.setdefault(t, [(e.step, float(_tensor_value(e.tensor_proto))) for e in acc.Tensors(t)])
    return out


def _tensor_value(proto):
    from tensorboard.util import tensor_util

    return tensor_util.make_ndarray(proto)


def check_gradients(folder):
    """Problems with the gradient run's event file against expected.json (an empty list: none)."""
    import json
    import math

    events = sorted(glob.glob(os.path.join(folder, "events.out.tfevents*")))
    expected_file = os.path.join(folder, "expected.json")
    if not events or not os.path.isfile(expected_file):
        return [f"no event file or expected.json in {folder}"]
    with open(expected_file) as f:
        expected = json.load(f)
    acc = accumulator(events[0])
    tags = acc.Tags()
    scalars = read_scalars(acc)
    problems = []
    for tag, steps in expected["scalars"].items():
        got = scalars.get(tag, [])
        if [s for s, _ in got] != steps:
            problems.append(f"scalar {tag}: steps {[s for s, _ in got]}, expected {steps}")
        if tag.startswith("gradient_norm/") and not all(math.isfinite(v) and v > 0 for _, v in got):
            problems.append(f"scalar {tag}: a norm that is not finite and > 0: {got}")
    distributions = set(tags.get("distributions", []))
    for tag, h in expected["histograms"].items():
        if tag not in tags.get("histograms", []):
            problems.append(f"histogram {tag} missing (histograms: {tags.get('histograms')})")
            continue
        got = acc.Histograms(tag)
        if [e.step for e in got] != h["steps"]:
            problems.append(f"histogram {tag}: steps {[e.step for e in got]}, expected {h['steps']}")
        first = got[0].histogram_value
        if first.num != h["num"]:
            problems.append(f"histogram {tag}: {first.num} values, expected {h['num']}")
        if abs(first.sum - h["sum_at_step_0"]) > 1e-9 + 1e-9 * abs(h["sum_at_step_0"]):
            problems.append(f"histogram {tag}: sum {first.sum} at step 0, Java read {h['sum_at_step_0']}")
        if tag not in distributions:
            problems.append(f"histogram {tag} is not under TensorBoard's distributions")
    unexpected = set(tags.get("histograms", [])) - set(expected["histograms"])
    if unexpected:
        problems.append(f"histograms Java did not write: {sorted(unexpected)}")
    if not problems:
        print(f"check_java_exports: OK {events[0]} read with TensorBoard's EventAccumulator: "
              f"{len(expected['scalars'])} scalar tags, {len(expected['histograms'])} histogram tags "
              f"(e.g. {sorted(expected['histograms'])[0]} at steps {expected['histograms'][sorted(expected['histograms'])[0]]['steps']})")
    return problems


def main(argv):
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    root = argv[0]
    exports = sorted(d for d in glob.glob(os.path.join(root, "*")) if os.path.isfile(os.path.join(d, "input.npz")))
    if not exports:
        print(f"check_java_exports: nothing to check in {root!r} (run the Java tests first)", file=sys.stderr)
        return 2
    failed = False
    for d in exports:
        model = os.path.join(d, "model")
        try:
            problems = check_export.check(model, os.path.join(d, "input.npz"), os.path.join(d, "expected.npz"))
        except check_export.Mismatch as e:
            problems = [str(e)]
        for p in problems:
            print(f"check_java_exports: MISMATCH {d}: {p}", file=sys.stderr)
        failed |= bool(problems)
        print(f"check_java_exports: {'FAIL' if problems else 'OK'} {model}")

    events = sorted(glob.glob(os.path.join(root, "tensorboard", "events.out.tfevents*")))
    if not events:
        print(f"check_java_exports: MISMATCH: no TensorBoard event file in {root}/tensorboard", file=sys.stderr)
        return 1
    scalars = read_scalars(accumulator(events[0]))
    missing = [t for t in TAGS if not scalars.get(t)]
    if missing:
        print(f"check_java_exports: MISMATCH: {events[0]} lacks scalars {missing} (has {sorted(scalars)})",
              file=sys.stderr)
        failed = True
    else:
        acc = scalars["validation/accuracy"]
        print(f"check_java_exports: OK {events[0]} read with TensorBoard's EventAccumulator: {len(scalars)} scalar"
              f" tags, validation/accuracy at steps {[s for s, _ in acc]} = {[round(v, 4) for _, v in acc]}")
    for p in check_gradients(os.path.join(root, "tensorboard-gradients")):
        print(f"check_java_exports: MISMATCH tensorboard-gradients: {p}", file=sys.stderr)
        failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
