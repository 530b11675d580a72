"""Checks of the committed backbone SavedModels and of check_export.py (pytest, < 1 minute on 2 cores).

Run:  PY=$(bash saved-models/setup-python.sh | tail -n 1); "$PY" -m pytest -q saved-models
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import tensorflow as tf  # noqa: E402

tf.config.threading.set_intra_op_parallelism_threads(2)
tf.config.threading.set_inter_op_parallelism_threads(1)
tf.get_logger().setLevel("ERROR")

HERE = os.path.dirname(os.path.abspath(__file__))
BACKBONES = sorted(d for d in os.listdir(HERE) if os.path.isfile(os.path.join(HERE, d, "backbone.json")))
CALL_OPS = {"PartitionedCall", "StatefulPartitionedCall"}
EXPECTED = {"fmnist04-cnn", "fmnist04-cnn-graph", "mobilenetv2-32", "mobilenetv2-32-graph"}


def meta_of(name):
    with open(os.path.join(HERE, name, "backbone.json")) as f:
        return json.load(f)


def batch(meta, n=3, seed=0):
    _, h, w, c = meta["input"]["shape"]
    return np.random.default_rng(seed).uniform(0, 1, (n, h, w, c)).astype(np.float32)


@pytest.fixture(scope="module")
def loaded():
    cache = {}

    def get(name):
        if name not in cache:
            cache[name] = tf.saved_model.load(os.path.join(HERE, name))
        return cache[name]

    return get


def test_the_committed_backbones_are_all_here():
    assert EXPECTED <= set(BACKBONES), f"found {BACKBONES}"


@pytest.mark.parametrize("name", BACKBONES)
def test_backbone_json_is_consistent(name):
    meta = meta_of(name)
    assert meta["schema"] == "spinal-backbone/1"
    size = meta["input_size"]
    h, w, c = size["height"], size["width"], size["channels"]
    assert meta["input"] == {"name": "images", "dtype": "float32", "shape": [-1, h, w, c]}
    assert meta["output"] == {"name": "features", "dtype": "float32", "shape": [-1, meta["feature_size"]]}
    assert meta["signature"] == "serving_default" and meta["tags"] == ["serve"]
    pre = meta["preprocessing"]
    assert len(pre["mean"]) == c and len(pre["std"]) == c and all(s > 0 for s in pre["std"])
    assert pre["input_range"] == [0.0, 255.0]
    assert meta["versions"]["tensorflow"] and meta["versions"]["keras"]
    assert meta["check"]["max_abs_diff_vs_keras"] <= 1e-5
    assert meta["saved_model_format"] == ("graph" if name.endswith("-graph") else "tf2")
    if meta["saved_model_format"] == "graph":
        assert meta["graph"]["variables_kind"] == "ref"
        assert meta["graph"]["trainable_variables"]
        assert not CALL_OPS & set(meta["graph"]["op_types"])
        n = sum(int(np.prod(v["shape"])) for v in meta["graph"]["trainable_variables"])
        assert n == meta["parameters"]["trainable"]


@pytest.mark.parametrize("name", BACKBONES)
def test_loads_and_gives_features_of_the_declared_shape(name, loaded):
    meta = meta_of(name)
    fn = loaded(name).signatures["serving_default"]
    spec = fn.structured_input_signature[1]["images"]
    assert spec.dtype == tf.float32 and spec.shape.as_list() == [None] + meta["input"]["shape"][1:]
    out = fn(images=tf.constant(batch(meta)))
    assert list(out) == ["features"]
    features = out["features"].numpy()
    assert features.shape == (3, meta["feature_size"]) and np.isfinite(features).all()


@pytest.mark.parametrize("pair", [("fmnist04-cnn", "fmnist04-cnn-graph"), ("mobilenetv2-32", "mobilenetv2-32-graph")])
def test_tf2_and_graph_formats_agree(pair, loaded):
    meta = meta_of(pair[0])
    x = tf.constant(batch(meta, seed=1))
    a, b = (loaded(n).signatures["serving_default"](images=x)["features"].numpy() for n in pair)
    np.testing.assert_allclose(a, b, atol=1e-5, rtol=0)


@pytest.mark.parametrize("name", [n for n in BACKBONES if n.endswith("-graph")])
def test_graph_format_has_its_variables_in_the_main_graph(name):
    meta = meta_of(name)
    graph = tf.Graph()
    with tf.compat.v1.Session(graph=graph) as sess:
        tf.compat.v1.saved_model.loader.load(sess, ["serve"], os.path.join(HERE, name))
        ops = graph.get_operations()
        assert not CALL_OPS & {op.type for op in ops}
        assert not graph.as_graph_def().library.function
        variables = {op.name for op in ops if op.type == "VariableV2"}
        assert variables == {v["name"] for v in meta["graph"]["trainable_variables"]}
        assert all("/" not in v for v in variables)  # TF Java optimizers derive slot names from them
        # Differentiable to the variables in the main graph, as TF Java's addGradients needs.
        loss = tf.reduce_sum(graph.get_tensor_by_name("features:0"))
        first = graph.get_operation_by_name(meta["graph"]["trainable_variables"][0]["name"]).outputs[0]
        (grad,) = tf.compat.v1.gradients(loss, [first])
        g = sess.run(grad, {graph.get_tensor_by_name("images:0"): batch(meta)})
        assert g.shape == tuple(meta["graph"]["trainable_variables"][0]["shape"])


@pytest.mark.filterwarnings("ignore:The structure of `inputs`")
def test_fmnist_cnn_provenance_and_keras_equivalence(loaded):
    meta = meta_of("fmnist04-cnn")
    training = meta["training"]
    assert training["script"] == "saved-models/train_small_cnn.py"
    assert training["data"]["classes"] == {"0": "T-shirt/top", "1": "Trouser", "2": "Pullover", "3": "Dress", "4": "Coat"}
    assert training["test_accuracy"] >= 0.85
    assert meta["preprocessing"]["mode"] == "scale_0_1"
    assert meta["input_size"] == {"height": 28, "width": 28, "channels": 1} and meta["feature_size"] == 128

    import keras

    model = keras.models.load_model(os.path.join(HERE, "sources", "fmnist04-cnn.keras"), compile=False)
    features = keras.Model(model.inputs, model.get_layer("features").output)
    x = batch(meta, n=4, seed=2)
    want = features(x, training=False).numpy()
    got = loaded("fmnist04-cnn").signatures["serving_default"](images=tf.constant(x))["features"].numpy()
    np.testing.assert_allclose(got, want, atol=1e-5, rtol=0)


def run_check(*args):
    return subprocess.run([sys.executable, os.path.join(HERE, "check_export.py"), *args],
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("name", ["fmnist04-cnn", "mobilenetv2-32-graph"])
def test_check_export_passes_on_matching_outputs_and_fails_on_others(name, loaded, tmp_path):
    meta = meta_of(name)
    x = batch(meta, n=2, seed=3)
    want = loaded(name).signatures["serving_default"](images=tf.constant(x))["features"].numpy()
    np.savez(tmp_path / "in.npz", images=x)
    np.save(tmp_path / "want.npy", want)
    ok = run_check(os.path.join(HERE, name), "--input", str(tmp_path / "in.npz"), "--expected", str(tmp_path / "want.npy"))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert f"features: DT_FLOAT (-1, {meta['feature_size']})" in ok.stdout, ok.stdout

    off = want.copy()
    off[1, 0] += 1e-3
    np.savez(tmp_path / "off.npz", features=off)
    bad = run_check(os.path.join(HERE, name), "--input", str(tmp_path / "in.npz"), "--expected", str(tmp_path / "off.npz"))
    assert bad.returncode == 1 and "MISMATCH" in bad.stderr and "(1, 0)" in bad.stderr, bad.stderr


def test_check_export_reports_a_directory_without_saved_model(tmp_path):
    missing = run_check(str(tmp_path), "--input", str(tmp_path / "in.npz"), "--expected", str(tmp_path / "want.npy"))
    assert missing.returncode == 2 and "saved_model.pb" in missing.stderr
