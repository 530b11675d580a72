#!/usr/bin/env python3
"""Export a Keras model as a Spinal *backbone SavedModel*.

A backbone SavedModel has one signature, ``serving_default``, from ``images`` float32
[-1, H, W, C] (static H, W, C) to pooled ``features`` float32 [-1, D], and a ``backbone.json``
beside ``saved_model.pb`` that says how to feed it (input size, preprocessing) and where it came from.

Sources:
  --application NAME   any ``keras.applications`` model (MobileNetV2, ResNet50, VGG16, EfficientNetB0,
                       ...), built with include_top=False and the given pooling.
  --model-file PATH    a Keras model file (.keras or .h5); --feature-layer cuts it at a layer.

Formats (--format):
  tf2    ``keras.export.ExportArchive`` (a TF2 object-graph SavedModel, what TF Serving and users
         normally have). Its variables are captured by a function call (StatefulPartitionedCall), so
         TF Java 1.1 can run it and differentiate to its input, not to its variables.
  graph  a TF1-style graph SavedModel written with ``tf.compat.v1``: the traced Keras forward pass
         (inference mode) is imported into one flat graph, trainable weights become graph variables
         (VariableV2 by default, or VarHandleOp + ReadVariableOp with --graph-variables resource), and
         non-trainable weights (batch-norm moving statistics) become constants. No function calls, so
         a TF Java graph can differentiate to the variables and fine-tune them.

Writes atomically: a temporary directory beside OUT is renamed to OUT at the end (an existing OUT is
replaced only with --overwrite).
"""
from __future__ import annotations

import argparse
import ast
import hashlib
import importlib
import json
import os
import platform
import re
import shutil
import sys
import tempfile
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# Keras warns when a functional model whose input is named gets a bare tensor; harmless here.
warnings.filterwarnings("ignore", message="The structure of `inputs` doesn't match")

SCHEMA = "spinal-backbone/1"
IMAGENET_HINT = (
    "ImageNet weights could not be downloaded (this machine is probably offline, or the weights host "
    "is unreachable). Either run this command on a machine with internet access (Keras caches the file "
    "in ~/.keras/models/), copy a weights file here and pass its path with --weights PATH, or use "
    "--weights none for random initial weights."
)


class ExportError(Exception):
    """A problem the user can fix; printed without a traceback."""


# ----------------------------------------------------------------------------------------------
# TensorFlow setup


def import_tf(threads: int):
    import tensorflow as tf  # noqa: WPS433 (imported late so that --help is fast)

    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    tf.get_logger().setLevel("ERROR")  # v1 API deprecation and ref-variable warnings of --format graph
    return tf


# ----------------------------------------------------------------------------------------------
# Building the Keras feature model


def parse_kwargs(items):
    out = {}
    for item in items or []:
        if "=" not in item:
            raise ExportError(f"--kwarg expects KEY=VALUE, got {item!r}")
        key, value = item.split("=", 1)
        try:
            out[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            out[key] = value
    return out


def application_model(keras, name, size, channels, weights, pooling, kwargs):
    builder = getattr(keras.applications, name, None)
    if builder is None or not callable(builder):
        known = sorted(n for n in dir(keras.applications) if n[:1].isupper())
        raise ExportError(f"unknown keras.applications model {name!r}; known: {', '.join(known)}")
    height, width = size
    weights_arg = None if weights == "none" else weights
    if weights_arg is not None and weights_arg != "imagenet" and not os.path.isfile(weights_arg):
        raise ExportError(f"--weights: no such file {weights_arg!r} (use imagenet, none or a weights file)")
    try:
        model = builder(
            include_top=False,
            weights=weights_arg,
            input_shape=(height, width, channels),
            pooling=pooling,
            **kwargs,
        )
    except ValueError as e:  # Keras' own checks: min input size, channels for imagenet, bad kwargs
        raise ExportError(f"keras.applications.{name} refused the arguments: {e}") from e
    except TypeError as e:
        raise ExportError(f"keras.applications.{name}: {e}") from e
    except Exception as e:  # noqa: BLE001 - Keras raises bare Exception on a failed download
        text = str(e)
        if weights_arg == "imagenet" and ("URL fetch failure" in text or "fetch" in text.lower()
                                          or isinstance(e, OSError)):
            raise ExportError(f"{IMAGENET_HINT}\nKeras said: {text}") from e
        raise
    module = importlib.import_module(builder.__module__)
    return model, getattr(module, "preprocess_input", None)


def file_model(keras, tf, path, feature_layer, pooling, size):
    if not os.path.isfile(path):
        raise ExportError(f"--model-file: no such file {path!r}")
    try:
        model = keras.models.load_model(path, compile=False)
    except Exception as e:  # noqa: BLE001
        raise ExportError(f"could not load Keras model file {path!r}: {e}") from e
    if feature_layer:
        try:
            layer = model.get_layer(feature_layer)
        except ValueError as e:
            names = [l.name for l in model.layers]
            raise ExportError(f"--feature-layer {feature_layer!r} not in model; layers: {names}") from e
        model = keras.Model(model.inputs, layer.output, name=f"{model.name}_features")
    in_shape = tuple(model.inputs[0].shape)
    if len(in_shape) != 4:
        raise ExportError(f"model input must be images [batch, H, W, C], found shape {in_shape}")
    if None in in_shape[1:]:
        if not size:
            raise ExportError(f"model input {in_shape} has no static H, W, C: pass --input-size H W")
        inp = keras.Input(shape=(size[0], size[1], in_shape[3]), name="images")
        model = keras.Model(inp, model(inp), name=model.name)
    elif size and tuple(size) != in_shape[1:3]:
        raise ExportError(f"--input-size {size} differs from the model's input {in_shape[1:3]}")
    out_rank = len(model.outputs[0].shape)
    if out_rank == 4:
        if pooling is None:
            raise ExportError("feature output is a 4-D map: pass --pooling avg or max")
        pool = keras.layers.GlobalAveragePooling2D() if pooling == "avg" else keras.layers.GlobalMaxPooling2D()
        model = keras.Model(model.inputs, pool(model.outputs[0]), name=model.name)
    elif out_rank != 2:
        raise ExportError(f"feature output must be [batch, D] (or a 4-D map to pool), found {model.outputs[0].shape}")
    return model


# ----------------------------------------------------------------------------------------------
# Preprocessing: measured from the application's own preprocess_input


def named_preprocessing(mode, channels):
    """Preprocessing for a model file: x_model = (pixel - mean) / std, pixel in [0, 255]."""
    table = {
        "none": ([0.0], [1.0], "feed raw pixel values in [0, 255]"),
        "scale_0_1": ([0.0], [255.0], "pixel / 255: [0, 1]"),
        "tf": ([127.5], [127.5], "pixel / 127.5 - 1: [-1, 1]"),
    }
    if mode in table:
        mean, std, text = table[mode]
        return {
            "mode": mode,
            "description": text,
            "input_range": [0.0, 255.0],
            "channel_order": "RGB" if channels == 3 else ("gray" if channels == 1 else "as-is"),
            "mean": mean * channels,
            "std": std * channels,
        }
    if mode in ("caffe", "torch") and channels == 3:
        if mode == "caffe":
            return {"mode": "caffe", "description": "RGB->BGR, subtract ImageNet BGR means, no scaling",
                    "input_range": [0.0, 255.0], "channel_order": "BGR",
                    "mean": [103.939, 116.779, 123.68], "std": [1.0, 1.0, 1.0]}
        return {"mode": "torch", "description": "pixel / 255, then ImageNet mean/std normalisation",
                "input_range": [0.0, 255.0], "channel_order": "RGB",
                "mean": [0.485 * 255, 0.456 * 255, 0.406 * 255], "std": [0.229 * 255, 0.224 * 255, 0.225 * 255]}
    raise ExportError(f"--preprocessing {mode!r} is not valid for {channels} channel(s)")


def measured_preprocessing(preprocess_input, channels, np):
    """Probe an application's preprocess_input and express it as per-channel (pixel - mean) / std.

    preprocess_input of every keras.applications module is per-channel affine, possibly with the
    channels reversed (caffe mode). Probing it is more reliable than a hand-kept table.
    """
    if preprocess_input is None:
        return None
    zero = np.zeros((1, 1, 1, channels), np.float32)
    base = np.asarray(preprocess_input(zero.copy()), np.float64).reshape(channels)
    scale = np.zeros(channels)
    order = [None] * channels
    for j in range(channels):
        probe = zero.copy()
        probe[..., j] = 255.0
        delta = np.asarray(preprocess_input(probe), np.float64).reshape(channels) - base
        changed = np.flatnonzero(np.abs(delta) > 1e-9)
        if len(changed) != 1:
            raise ExportError(f"preprocess_input is not per-channel affine (probe {j} changed {changed})")
        o = int(changed[0])
        order[o] = j
        scale[o] = delta[o] / 255.0
    std = 1.0 / scale
    mean = -base * std + 0.0  # + 0.0: no -0.0 in the JSON
    # Check the formula on random pixels before trusting it.
    rng = np.random.default_rng(0)
    pixels = rng.uniform(0, 255, (2, 3, 3, channels)).astype(np.float32)
    want = np.asarray(preprocess_input(pixels.copy()), np.float64)
    got = (pixels[..., order].astype(np.float64) - mean) / std
    if not np.allclose(want, got, atol=1e-4, rtol=1e-5):
        raise ExportError("preprocess_input is not the affine map it appeared to be")
    identity = np.allclose(std, 1) and np.allclose(mean, 0) and order == list(range(channels))
    bgr = channels == 3 and order == [2, 1, 0]
    if identity:
        mode, text = "none", "feed raw pixel values in [0, 255]: the model rescales internally"
    elif bgr and np.allclose(std, 1):
        mode, text = "caffe", "RGB->BGR, subtract ImageNet BGR means, no scaling"
    elif np.allclose(std, 127.5) and np.allclose(mean, 127.5):
        mode, text = "tf", "pixel / 127.5 - 1: [-1, 1]"
    elif np.allclose(std, 255) and np.allclose(mean, 0):
        mode, text = "scale_0_1", "pixel / 255: [0, 1]"
    else:
        mode, text = "torch", "pixel / 255, then per-channel mean/std normalisation"
    return {
        "mode": mode,
        "description": text,
        "input_range": [0.0, 255.0],
        "channel_order": "BGR" if bgr else ("RGB" if channels == 3 else "as-is"),
        "mean": [round(float(v), 4) for v in mean],
        "std": [round(float(v), 4) for v in std],
        "measured_from": f"{preprocess_input.__module__}.preprocess_input",
    }


# ----------------------------------------------------------------------------------------------
# Writers


def write_tf2(tf, keras, model, spec, out_dir):
    # tf.saved_model.save on a tf.Module rather than keras' ExportArchive: the archive tracks every
    # variable twice (two lists), which doubled the variables/ folder (measured: 3.3 MB vs 1.6 MB for
    # MobileNetV2 alpha 0.35).
    module = tf.Module()
    module.weights = [v.value for v in model.weights]  # the tf.Variables behind the Keras variables

    @tf.function(input_signature=[spec])
    def serve(images):
        return {"features": model(images, training=False)}

    module.serve = serve
    tf.saved_model.save(module, out_dir, signatures={"serving_default": serve})


_NAME_BAD = re.compile(r"[^A-Za-z0-9_.-]")


def graph_node_name(path):
    """'Conv1/kernel' -> 'weights.Conv1.kernel'.

    No '/' in the variable's own name: TF Java's framework optimizers name their slots
    '<variable>-m' through a Scope whose names must match [A-Za-z0-9.][A-Za-z0-9_.\\-]*; a '/' in the
    variable name made Adam.minimize throw IllegalArgumentException (measured with TF Java 1.1).
    """
    return "weights." + _NAME_BAD.sub("_", path.replace("/", "."))


def bypass_custom_gradients(gd):
    """Removes the IdentityN ops that tf.custom_gradient puts after a forward pass (Keras' swish in
    EfficientNet, for one). Their gradient is a Python function that does not survive in a GraphDef,
    so nothing (Python or Java) can differentiate through them once imported. Consumers are rewired
    to the IdentityN's inputs, which are the ordinary forward ops, with ordinary registered gradients
    (mathematically the same derivative; the custom ones only save memory). Returns how many."""
    bypass = {n.name: list(n.input) for n in gd.node
              if n.op == "IdentityN" and "_gradient_op_type" in n.attr}
    if not bypass:
        return 0

    def rewire(ref):
        control = ref.startswith("^")
        name, _, index = ref.lstrip("^").partition(":")
        if name not in bypass:
            return ref
        target = bypass[name][int(index or 0)]
        return "^" + target.split(":")[0] if control else target

    for _ in range(len(bypass) + 1):  # an IdentityN may feed another one
        changed = False
        for node in gd.node:
            for i, ref in enumerate(node.input):
                new = rewire(ref)
                if new != ref:
                    node.input[i] = new
                    changed = True
        if not changed:
            break
    keep = [n for n in gd.node if n.name not in bypass]
    del gd.node[:]
    gd.node.extend(keep)
    return len(bypass)


def write_graph(tf, model, spec, out_dir, variables_kind):
    """Writes a TF1 graph SavedModel of the model's inference pass; returns its variable list."""
    fn = tf.function(lambda images: model(images, training=False)).get_concrete_function(spec)
    gd = fn.graph.as_graph_def()
    if gd.library.function:
        raise ExportError(
            f"the traced model calls {len(gd.library.function)} graph function(s) "
            f"({[f.signature.name for f in gd.library.function][:5]}); --format graph needs a flat "
            "forward pass. Use --format tf2 for this model.")
    custom_gradients = bypass_custom_gradients(gd)  # before collecting node references below
    by_handle = {id(v.value.handle): v for v in model.weights}
    captured = {}  # internal placeholder op name -> keras variable
    captured_constants = {}  # internal placeholder op name -> numpy value (e.g. Normalization's mean)
    for external, internal in fn.graph.captures:
        var = by_handle.get(id(external))
        if var is not None:
            captured[internal.op.name] = var
        elif external.dtype != tf.resource and hasattr(external, "numpy"):
            captured_constants[internal.op.name] = external.numpy()
        else:
            raise ExportError(f"traced graph captures {internal.name} that is not one of the model's weights")
    image_input = fn.inputs[0].op.name
    readers = {}
    for node in gd.node:
        for inp in node.input:
            src = inp.lstrip("^").split(":")[0]
            if src in captured:
                if node.op != "ReadVariableOp":
                    raise ExportError(f"op {node.op} ({node.name}) uses variable "
                                      f"{captured[src].path} directly; only ReadVariableOp is supported")
                readers.setdefault(src, []).append(node)

    values = {ph: var.numpy() for ph, var in captured.items()}  # eager, before entering the v1 graph
    graph = tf.Graph()
    variables = []
    with graph.as_default():
        images = tf.compat.v1.placeholder(tf.float32, spec.shape, name="images")
        input_map = {image_input + ":0": images}
        assignments = []
        # Variables and constants live at the top level, named weights.<keras path>.
        for ph, var in captured.items():
            value = values[ph]
            name = graph_node_name(var.path)
            if var.trainable:
                v1 = tf.compat.v1.Variable(
                    tf.zeros(value.shape, value.dtype), name=name, trainable=True,
                    use_resource=(variables_kind == "resource"), dtype=value.dtype)
                assignments.append((v1, value))
                variables.append({"name": v1.op.name, "op": v1.op.type, "shape": list(value.shape),
                                  "keras_path": var.path})
                if variables_kind == "resource":
                    input_map[ph + ":0"] = v1.handle
                    continue
                source = v1.value()
            else:
                source = tf.constant(value, name=name)
            # Ref variables and constants are plain tensors: turn the ReadVariableOps on this
            # captured handle into Identity ops reading the mapped tensor.
            for node in readers.get(ph, []):
                dtype = node.attr["dtype"]
                node.op = "Identity"
                node.attr.clear()
                node.attr["T"].CopyFrom(dtype)
            input_map[ph + ":0"] = source
        for ph, value in captured_constants.items():
            input_map[ph + ":0"] = tf.constant(value, name="captured_constant")
        # The captured placeholders are replaced by input_map: drop them from the import.
        keep = [n for n in gd.node
                if n.name not in captured and n.name not in captured_constants and n.name != image_input]
        del gd.node[:]
        gd.node.extend(keep)
        (features_raw,) = tf.compat.v1.import_graph_def(
            gd, input_map=input_map, return_elements=[fn.outputs[0].name], name="backbone")
        features = tf.identity(features_raw, name="features")
        features.set_shape([None, int(fn.outputs[0].shape[-1])])
        types = {op.type for op in graph.get_operations()}
        calls = types & {"PartitionedCall", "StatefulPartitionedCall", "While", "If", "StatelessWhile"}
        if calls:
            raise ExportError(f"graph still holds call/control-flow ops {sorted(calls)}")
        init = tf.compat.v1.global_variables_initializer()
        with tf.compat.v1.Session(graph=graph) as sess:
            sess.run(init)
            for v1, value in assignments:
                v1.load(value, sess)
            signature = tf.compat.v1.saved_model.signature_def_utils.predict_signature_def(
                inputs={"images": images}, outputs={"features": features})
            builder = tf.compat.v1.saved_model.Builder(out_dir)
            builder.add_meta_graph_and_variables(
                sess, [tf.compat.v1.saved_model.tag_constants.SERVING],
                signature_def_map={"serving_default": signature}, strip_default_attrs=True)
            builder.save()
    return variables, sorted(types), custom_gradients


# ----------------------------------------------------------------------------------------------


def keras_outputs(model, x):
    return model(x, training=False).numpy()


def verify_export(tf, np, out_dir, x, expected):
    loaded = tf.saved_model.load(out_dir)
    fn = loaded.signatures["serving_default"]
    got = fn(images=tf.constant(x))["features"].numpy()
    err = float(np.max(np.abs(got - expected))) if expected.size else 0.0
    if got.shape != expected.shape or err > 1e-5:
        raise ExportError(f"exported model disagrees with Keras: shape {got.shape} vs {expected.shape}, "
                          f"max abs diff {err}")
    return err


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--application", metavar="NAME", help="keras.applications model, e.g. MobileNetV2, ResNet50")
    src.add_argument("--model-file", metavar="PATH", help="Keras model file (.keras or .h5)")
    p.add_argument("--out", required=True, help="output SavedModel directory")
    p.add_argument("--input-size", type=int, nargs=2, metavar=("H", "W"), help="input height and width")
    p.add_argument("--channels", type=int, default=3, help="input channels for --application (default 3)")
    p.add_argument("--weights", default="none",
                   help="for --application: imagenet (needs internet or Keras' cache), none, or a weights file")
    p.add_argument("--pooling", choices=["avg", "max"], default=None,
                   help="global pooling of the last feature map (default avg for --application)")
    p.add_argument("--kwarg", action="append", metavar="KEY=VALUE",
                   help="extra keras.applications argument, e.g. alpha=0.35 (repeatable)")
    p.add_argument("--feature-layer", help="for --model-file: name of the layer whose output are the features")
    p.add_argument("--preprocessing", choices=["none", "scale_0_1", "tf", "caffe", "torch"],
                   help="for --model-file: what the model expects (applications: measured automatically)")
    p.add_argument("--provenance", metavar="JSON", help="JSON file merged into backbone.json as 'training'")
    p.add_argument("--format", choices=["tf2", "graph"], default="tf2", help="SavedModel flavour (default tf2)")
    p.add_argument("--graph-variables", choices=["ref", "resource"], default="ref",
                   help="--format graph: VariableV2 (ref, what TF Java's framework optimizers update) or "
                        "VarHandleOp (resource)")
    p.add_argument("--seed", type=int, default=0, help="seed for weights=none initialisation (default 0)")
    p.add_argument("--threads", type=int, default=2, help="TF intra-op threads (default 2)")
    p.add_argument("--overwrite", action="store_true", help="replace OUT if it exists")
    args = p.parse_args(argv)

    try:
        export(args, argv if argv is not None else sys.argv[1:])
    except ExportError as e:
        print(f"export_backbone: error: {e}", file=sys.stderr)
        return 2
    return 0


def export(args, argv):
    out = os.path.abspath(args.out)
    if os.path.exists(out) and not args.overwrite:
        raise ExportError(f"{out} exists (pass --overwrite to replace it)")
    if args.application and not args.input_size:
        raise ExportError("--application needs --input-size H W")

    tf = import_tf(args.threads)
    import keras
    import numpy as np

    keras.utils.set_random_seed(args.seed)
    kwargs = parse_kwargs(args.kwarg)
    if args.application:
        pooling = args.pooling or "avg"
        model, pre_fn = application_model(keras, args.application, args.input_size, args.channels,
                                          args.weights, pooling, kwargs)
        preprocessing = measured_preprocessing(pre_fn, args.channels, np)
        if preprocessing is None:
            raise ExportError(f"no preprocess_input found for {args.application}")
        source = {"kind": "keras.applications", "name": args.application, "kwargs": kwargs,
                  "include_top": False}
        weights = args.weights if args.weights in ("imagenet", "none") else {
            "file": os.path.basename(args.weights), "sha256": sha256_file(args.weights)}
    else:
        if args.kwarg:
            raise ExportError("--kwarg applies to --application only")
        pooling = args.pooling
        model = file_model(keras, tf, args.model_file, args.feature_layer, pooling, args.input_size)
        channels = int(model.inputs[0].shape[-1])
        preprocessing = named_preprocessing(args.preprocessing or "none", channels)
        if not args.preprocessing:
            preprocessing["description"] += " (not declared: pass --preprocessing)"
        source = {"kind": "keras_file", "file": os.path.basename(args.model_file),
                  "sha256": sha256_file(args.model_file), "feature_layer": args.feature_layer}
        weights = "from model file"

    write_backbone(tf, keras, np, model, out, fmt=args.format, graph_variables=args.graph_variables,
                   preprocessing=preprocessing, pooling=pooling if args.application or len(model.layers) else None,
                   source=source, weights=weights,
                   created_by={"script": "saved-models/export_backbone.py", "args": list(argv), "seed": args.seed},
                   training=_read_json(args.provenance) if args.provenance else None)


def _read_json(path):
    with open(path) as f:
        return json.load(f)


def write_backbone(tf, keras, np, model, out, *, fmt, preprocessing, source, weights, created_by,
                   pooling="avg", graph_variables="ref", training=None, extra=None, check=None, quiet=False):
    """Writes ``model`` (images [-1, H, W, C] -> features [-1, D], static H, W, C) as a backbone SavedModel
    with its backbone.json to ``out``, atomically (a temporary directory beside ``out``, renamed at the end;
    an existing ``out`` is replaced).

    fmt: "tf2" or "graph"; preprocessing, source, weights, created_by, training: backbone.json's fields of
    those names; extra: more top-level backbone.json fields; check: called with the written SavedModel's
    directory before backbone.json is written, returns a dict merged into backbone.json's ``check`` (or
    raises ExportError). Returns backbone.json's content.
    """
    out = os.path.abspath(out)
    _, height, width, channels = (int(d) if d is not None else None for d in model.inputs[0].shape)
    feature_size = int(model.outputs[0].shape[-1])
    spec = tf.TensorSpec([None, height, width, channels], tf.float32, name="images")

    parent = os.path.dirname(out)
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".tmp-" + os.path.basename(out) + "-", dir=parent)
    try:
        saved = os.path.join(tmp, "model")
        graph_info = None
        if fmt == "tf2":
            write_tf2(tf, keras, model, spec, saved)
        elif fmt == "graph":
            graph_info = write_graph(tf, model, spec, saved, graph_variables)
        else:
            raise ExportError(f"unknown SavedModel format {fmt!r} (tf2 or graph)")

        rng = np.random.default_rng(1)
        probe = rng.uniform(-1, 1, (3, height, width, channels)).astype(np.float32)
        max_err = verify_export(tf, np, saved, probe, keras_outputs(model, probe))
        checks = {"max_abs_diff_vs_keras": max_err, "batch": 3}
        if check is not None:
            checks.update(check(saved))

        meta = {
            "schema": SCHEMA,
            "saved_model_format": fmt,
            "signature": "serving_default",
            "tags": ["serve"],
            "input": {"name": "images", "dtype": "float32", "shape": [-1, height, width, channels]},
            "output": {"name": "features", "dtype": "float32", "shape": [-1, feature_size]},
            "input_size": {"height": height, "width": width, "channels": channels},
            "feature_size": feature_size,
            "pooling": pooling,
            "preprocessing": dict(preprocessing, formula=(
                "model_input[..., c] = (pixel[..., order[c]] - mean[c]) / std[c], pixel in input_range, "
                "order = [2, 1, 0] for channel_order BGR from RGB pixels, identity otherwise")),
            "inference_mode": "training=False: batch norm uses its moving statistics, dropout is off",
            "source": source,
            "weights": weights,
            "parameters": {"total": int(model.count_params()),
                           "trainable": int(sum(int(np.prod(v.shape)) for v in model.trainable_weights))},
            "versions": {"tensorflow": tf.__version__, "keras": keras.__version__, "numpy": np.__version__,
                         "python": platform.python_version()},
            "created_by": created_by,
            "check": checks,
        }
        if graph_info is not None:
            variables, op_types, custom_gradients = graph_info
            meta["graph"] = {
                "variables_kind": graph_variables,
                "variable_op": "VariableV2" if graph_variables == "ref" else "VarHandleOp",
                "trainable_variables": variables,
                "non_trainable_weights": "frozen as Const ops (batch-norm moving statistics)",
                "op_types": op_types,
                "custom_gradient_ops_bypassed": custom_gradients,
            }
        if training is not None:
            meta["training"] = training
        meta.update(extra or {})
        # SavedModel in OUT/ directly, backbone.json beside saved_model.pb.
        for name in os.listdir(saved):
            shutil.move(os.path.join(saved, name), os.path.join(tmp, name))
        os.rmdir(saved)
        with open(os.path.join(tmp, "backbone.json"), "w") as f:
            json.dump(meta, f, indent=2)
            f.write("\n")
        os.chmod(tmp, 0o755)  # mkdtemp's 0700 would keep the folder from other users
        if os.path.exists(out):
            old = out + ".old-" + os.path.basename(tmp)
            os.rename(out, old)
            os.rename(tmp, out)
            shutil.rmtree(old)
        else:
            os.rename(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if not quiet:
        print(f"wrote {out}: {fmt} SavedModel, images {[-1, height, width, channels]} -> "
              f"features [-1, {feature_size}], max |diff| vs Keras {max_err:.2e}")
    return meta


if __name__ == "__main__":
    sys.exit(main())
