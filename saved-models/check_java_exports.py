#!/usr/bin/env python3
"""Check what the Java tests left for Python: SavedModels exported by Spinal's trainer, and its TensorBoard events.

    check_java_exports.py DIR

DIR (``spinal-train/target/python-check`` after ``mvn test``) holds one folder per export, each with
``model/`` (a SavedModel in TF Serving's version-folder layout), ``input.npz`` (``images``) and
``expected.npz`` (Java's ``logits``, ``probabilities``, ``classes`` for that input), and ``tensorboard/``
with an event file the Java trainer wrote.

1. Every export goes through ``check_export.check``: ``saved_model_cli show --all`` must list
   ``serving_default`` with static shapes (only the batch dimension -1), and ``tf.saved_model.load`` +
   the signature must reproduce Java's outputs to 1e-5 + 1e-6 relative (classes exactly).
2. The event file is read back with TensorBoard's ``EventAccumulator`` when the ``tensorboard`` package
   is installed, else with TensorFlow's own ``tf.compat.v1.train.summary_iterator`` (tensorflow-cpu 2.21
   no longer pulls in tensorboard); the scalars the trainer writes every epoch must be there.

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


def read_scalars(event_file):
    """{tag: [(step, value), ...]} and the name of the reader used."""
    try:
        from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    except ImportError:
        EventAccumulator = None
    if EventAccumulator is not None:
        acc = EventAccumulator(event_file)
        acc.Reload()
        tags = acc.Tags()
        out = {t: [(e.step, e.value) for e in acc.Scalars(t)] for t in tags.get("scalars", [])}
        # TF2 summary ops write tensors; TensorBoard's accumulator files them under "tensors"
        for t in tags.get("tensors", []):
            out.setdefault(t, [(e.step, float(_tensor_value(e.tensor_proto))) for e in acc.Tensors(t)])
        return out, "tensorboard EventAccumulator"
    import tensorflow as tf

    out = {}
    for event in tf.compat.v1.train.summary_iterator(event_file):
        for v in event.summary.value:
            if v.HasField("simple_value"):
                value = v.simple_value
            else:
                value = float(tf.make_ndarray(v.tensor))
            out.setdefault(v.tag, []).append((event.step, value))
    return out, "tf.compat.v1.train.summary_iterator (tensorboard not installed)"


def _tensor_value(proto):
    import tensorflow as tf

    return tf.make_ndarray(proto)


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
    scalars, reader = read_scalars(events[0])
    missing = [t for t in TAGS if not scalars.get(t)]
    if missing:
        print(f"check_java_exports: MISMATCH: {events[0]} lacks scalars {missing} (has {sorted(scalars)})",
              file=sys.stderr)
        failed = True
    else:
        acc = scalars["validation/accuracy"]
        print(f"check_java_exports: OK {events[0]} read with {reader}: {len(scalars)} scalar tags, "
              f"validation/accuracy at steps {[s for s, _ in acc]} = {[round(v, 4) for _, v in acc]}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
