#!/usr/bin/env python3
"""Check a SavedModel the way TF Serving sees it: Python TensorFlow, independent of the Java that wrote it.

    check_export.py DIR --input batch.npz --expected outputs.npz [--signature serving_default] [--atol 1e-5] [--rtol 1e-6]

1. ``saved_model_cli show --all --dir DIR``: the signature must exist, and every input and output of it
   must have a static shape (known rank; only the batch dimension may be -1).
2. ``tf.saved_model.load(DIR).signatures[SIG](**inputs)``: every expected output must match in shape
   and to ``|got - expected| <= atol + rtol * |expected|`` (numpy's ``isclose`` rule; atol 1e-5, rtol 1e-6
   by default: float32 sums reordered by another kernel, e.g. oneDNN's, differ by a few 1e-7 relative,
   which matters for large logits).

Inputs: ``.npz`` with one array per signature input name, or ``.npy`` when the signature has a single
input. Expected: ``.npz`` with one array per output name to compare (outputs not in the file are only
shape-checked), or ``.npy`` when the signature has a single output.

Exit codes: 0 all good; 1 a mismatch (values, shapes, signature); 2 bad usage or unreadable files.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


class Mismatch(Exception):
    pass


def load_arrays(path, names, what, np):
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{what} file {path!r} not found")
    data = np.load(path, allow_pickle=False)
    if isinstance(data, np.ndarray):
        if len(names) != 1:
            raise Mismatch(f"{what} is a single .npy array but the signature has {len(names)}: {sorted(names)}; "
                           "use an .npz with one array per name")
        return {names[0]: data}
    return {k: data[k] for k in data.files}


def saved_model_cli(directory):
    exe = os.path.join(os.path.dirname(sys.executable), "saved_model_cli")
    cmd = [exe] if os.path.exists(exe) else ([shutil.which("saved_model_cli")] if shutil.which("saved_model_cli")
                                             else [sys.executable, "-m", "tensorflow.python.tools.saved_model_cli"])
    proc = subprocess.run(cmd + ["show", "--all", "--dir", directory], capture_output=True, text=True)
    if proc.returncode != 0:
        raise Mismatch(f"saved_model_cli show --all failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")
    return proc.stdout


def parse_signature(cli_text, signature):
    """{'inputs': {name: (dtype, shape or None)}, 'outputs': {...}} of one signature in saved_model_cli's text."""
    blocks = re.split(r"\n(?=signature_def\[')", cli_text)
    for block in blocks:
        m = re.match(r"signature_def\['([^']+)'\]", block.strip())
        if not m or m.group(1) != signature:
            continue
        result = {"inputs": {}, "outputs": {}}
        for kind, name, body in re.findall(
                r"(inputs|outputs)\['([^']+)'\] tensor_info:\n((?:\s+\w+: .*\n?)+)", block):
            dtype = re.search(r"dtype: (\S+)", body).group(1)
            shape_m = re.search(r"shape: (.*)", body)
            shape_text = shape_m.group(1).strip() if shape_m else "unknown_rank"
            if shape_text == "unknown_rank":
                shape = None
            else:
                shape = tuple(int(d) for d in re.findall(r"-?\d+", shape_text))
            result[kind][name] = (dtype, shape)
        return result
    found = re.findall(r"signature_def\['([^']+)'\]", cli_text)
    raise Mismatch(f"signature {signature!r} not in SavedModel; found {found}")


def check(directory, input_path, expected_path, signature="serving_default", atol=1e-5, quiet=False, rtol=1e-6):
    """Returns a list of problems (empty when everything matches)."""
    import numpy as np

    say = (lambda *a: None) if quiet else print
    problems = []
    if not os.path.isfile(os.path.join(directory, "saved_model.pb")):
        raise FileNotFoundError(f"{directory!r} holds no saved_model.pb")

    # 1. What TF Serving will read: the signature with static shapes.
    sig = parse_signature(saved_model_cli(directory), signature)
    for kind in ("inputs", "outputs"):
        for name, (dtype, shape) in sig[kind].items():
            say(f"saved_model_cli: {kind[:-1]} {name}: {dtype} {shape if shape is not None else 'unknown rank'}")
            if shape is None:
                problems.append(f"{kind[:-1]} {name!r} has unknown rank")
            elif any(d < 0 for d in shape[1:]):
                problems.append(f"{kind[:-1]} {name!r} has a non-static dimension beyond the batch: {shape}")

    # 2. Python TensorFlow runs it and the numbers match.
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(2)
    inputs = load_arrays(input_path, list(sig["inputs"]), "input", np)
    expected = load_arrays(expected_path, list(sig["outputs"]), "expected", np)
    missing = set(sig["inputs"]) - set(inputs)
    if missing:
        problems.append(f"input file lacks {sorted(missing)} (has {sorted(inputs)})")
        return problems
    unknown = set(expected) - set(sig["outputs"])
    if unknown:
        problems.append(f"expected outputs {sorted(unknown)} are not outputs of the signature {sorted(sig['outputs'])}")
    for name, array in inputs.items():
        dtype, shape = sig["inputs"].get(name, (None, None))
        if shape is not None and (array.ndim != len(shape) or
                                  any(s >= 0 and s != a for s, a in zip(shape, array.shape))):
            problems.append(f"input {name!r}: batch shape {array.shape} does not fit signature shape {shape}")
    if problems:
        return problems

    loaded = tf.saved_model.load(directory)
    fn = loaded.signatures[signature]
    feed = {}
    for name, array in inputs.items():
        spec = fn.structured_input_signature[1][name]
        feed[name] = tf.constant(array, dtype=spec.dtype)
    outputs = {k: v.numpy() for k, v in fn(**feed).items()}
    for name, got in outputs.items():
        shape = sig["outputs"][name][1]
        if shape is not None and (got.ndim != len(shape) or any(s >= 0 and s != g for s, g in zip(shape, got.shape))):
            problems.append(f"output {name!r}: got shape {got.shape}, signature says {shape}")
        if name not in expected:
            say(f"output {name}: shape {got.shape} (no expected values given)")
            continue
        want = expected[name]
        if got.shape != want.shape:
            problems.append(f"output {name!r}: shape {got.shape}, expected {want.shape}")
            continue
        if got.dtype.kind in "fc":
            diff = np.abs(got.astype(np.float64) - want.astype(np.float64))
            worst = float(diff.max()) if diff.size else 0.0
            bound = atol + rtol * np.abs(want.astype(np.float64))
            bad = int((diff > bound).sum() + np.isnan(got).sum())
            say(f"output {name}: shape {got.shape}, max |diff| {worst:.3g} (atol {atol}, rtol {rtol}), {bad} element(s) off")
            if bad:
                idx = np.unravel_index(int(np.nanargmax(diff - bound)), diff.shape)
                problems.append(f"output {name!r}: {bad} element(s) differ by more than {atol} + {rtol} * |expected|; worst {diff[idx]:.3g} "
                                f"at {tuple(int(i) for i in idx)}: got {got[idx]!r}, expected {want[idx]!r}")
        elif not np.array_equal(got, want):
            problems.append(f"output {name!r}: values differ")
    return problems


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("dir", help="SavedModel directory")
    p.add_argument("--input", required=True, help=".npz (arrays named as the signature inputs) or .npy")
    p.add_argument("--expected", required=True, help=".npz (arrays named as the outputs) or .npy")
    p.add_argument("--signature", default="serving_default")
    p.add_argument("--atol", type=float, default=1e-5, help="absolute tolerance (default 1e-5)")
    p.add_argument("--rtol", type=float, default=1e-6, help="relative tolerance (default 1e-6)")
    args = p.parse_args(argv)
    try:
        problems = check(args.dir, args.input, args.expected, args.signature, args.atol, rtol=args.rtol)
    except Mismatch as e:
        problems = [str(e)]
    except (FileNotFoundError, ValueError, OSError) as e:
        print(f"check_export: error: {e}", file=sys.stderr)
        return 2
    if problems:
        for problem in problems:
            print(f"check_export: MISMATCH: {problem}", file=sys.stderr)
        return 1
    print(f"check_export: OK {args.dir} [{args.signature}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
