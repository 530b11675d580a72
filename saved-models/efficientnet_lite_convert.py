#!/usr/bin/env python3
"""Keras side of the EfficientNet-Lite0 conversion (runs in the TensorFlow venv, saved-models/setup-python.sh).

    efficientnet_lite_convert.py --dump DUMP.npz [--out-tf2 DIR] [--out-graph DIR] [--build-key KEY]

DUMP.npz comes from ``efficientnet_lite_dump.py weights`` (PyTorch venv): the ImageNet state dict, the
preprocessed sample photos and PyTorch's logits and features on them. This script

1. builds EfficientNet-Lite0 in Keras (efficientnet_lite.py) for the dump's input size and copies the state
   dict into it (conv OIHW -> HWIO, depthwise [C, 1, k, k] -> [k, k, C, 1], dense [out, in] -> [in, out],
   batch norm weight/bias/running mean/running var -> gamma/beta/moving mean/moving variance);
2. checks parity with PyTorch on the photos: relative error of the logits, max|keras - torch| / max|torch|,
   at most 1e-4 (and of the pooled features), and the same top-5 classes per photo; prints the top-5 with
   ImageNet class names. A failed check exits with 1 and writes nothing;
3. exports the backbone (images [-1, S, S, 3] -> pooled features [-1, 1280]) with export_backbone.py's
   writer, in the tf2 and/or graph format, checks each export on the photos against PyTorch's features again,
   and records provenance (packages, versions, the .pth file's SHA-256) and the parity figures in
   backbone.json.

saved-models/make_backbones.sh efficientnet-lite0 runs both steps into the per-machine backbone cache.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import efficientnet_lite as lite  # noqa: E402
import export_backbone  # noqa: E402

TOLERANCE = 1e-4


class ParityError(Exception):
    """Keras and PyTorch disagree beyond the tolerance."""


def load_dump(path):
    """The dump as (state dict, arrays, meta): arrays holds pixels, images, logits, features, photos."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"--dump: no such file {path} (write it with efficientnet_lite_dump.py weights)")
    with np.load(path) as z:
        state = {k[len("state."):]: z[k] for k in z.files if k.startswith("state.")}
        arrays = {k: z[k] for k in ("pixels", "images", "logits", "features", "photos")}
        meta = json.loads(str(z["meta"]))
    return state, arrays, meta


def converted_model(state, size):
    model = lite.build(size)
    lite.load_state_dict(model, state)
    return model


def parity(keras_logits, keras_features, dump, names=None):
    """The parity figures of Keras' outputs against PyTorch's (dump): relative errors and top-5 per photo."""
    torch_top5 = lite.top_k(dump["logits"])
    keras_top5 = lite.top_k(keras_logits)
    probs = lite.softmax(keras_logits)
    photos = []
    for i, name in enumerate(dump["photos"]):
        photos.append({
            "photo": str(name),
            "top5": [int(c) for c in keras_top5[i]],
            "top5_names": [names[c] for c in keras_top5[i]] if names else None,
            "top5_probabilities": [round(float(probs[i, c]), 4) for c in keras_top5[i]],
            "same_top5_as_pytorch": bool(np.array_equal(keras_top5[i], torch_top5[i])),
        })
    return {
        "logits_relative_error": lite.relative_error(keras_logits, dump["logits"]),
        "features_relative_error": lite.relative_error(keras_features, dump["features"]),
        "max_abs_logit_diff": float(np.max(np.abs(keras_logits - dump["logits"]))),
        "definition": "relative error = max|keras - pytorch| / max|pytorch| over all photos and outputs",
        "tolerance": TOLERANCE,
        "photos": photos,
    }


def require(figures, what):
    bad = [p["photo"] for p in figures["photos"] if not p["same_top5_as_pytorch"]]
    err = figures["logits_relative_error"]
    if err > TOLERANCE or figures["features_relative_error"] > TOLERANCE or bad:
        raise ParityError(f"{what} disagrees with PyTorch: logits relative error {err:.3g}, features "
                          f"{figures['features_relative_error']:.3g} (tolerance {TOLERANCE}); "
                          f"top-5 differs on {bad or 'no photo'}")


def print_parity(figures, what):
    print(f"{what} vs PyTorch: logits relative error {figures['logits_relative_error']:.3g}, features "
          f"{figures['features_relative_error']:.3g}, max |logit diff| {figures['max_abs_logit_diff']:.3g}")
    for p in figures["photos"]:
        ranked = ", ".join(f"{(p['top5_names'] or p['top5'])[j]} ({p['top5'][j]}) {p['top5_probabilities'][j]:.2f}"
                           for j in range(5))
        print(f"  {p['photo']:<10} {'same' if p['same_top5_as_pytorch'] else 'DIFFERENT'} top-5: {ranked}")


def forward_time(tf, model, size, batch):
    """Median seconds per image of model(x, training=False) in a tf.function on a batch, after a warm-up."""
    fn = tf.function(lambda x: model(x, training=False))
    x = tf.constant(np.zeros((batch, size, size, 3), np.float32))
    fn(x)
    times = []
    for _ in range(5):
        t = time.perf_counter()
        fn(x).numpy()
        times.append(time.perf_counter() - t)
    return float(np.median(times)) / batch


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dump", required=True, help="efficientnet_lite_dump.py's .npz")
    p.add_argument("--out-tf2", metavar="DIR", help="write the tf2 SavedModel backbone here")
    p.add_argument("--out-graph", metavar="DIR", help="write the graph (VariableV2) SavedModel backbone here")
    p.add_argument("--build-key", default=None, help="recorded in backbone.json (make_backbones.sh's cache key)")
    p.add_argument("--threads", type=int, default=2, help="TF intra-op threads (default 2)")
    p.add_argument("--time", action="store_true", help="also measure the Keras model's forward time per image")
    args = p.parse_args(argv)
    try:
        run(args, argv if argv is not None else sys.argv[1:])
    except (ParityError, lite.ConversionError, export_backbone.ExportError, FileNotFoundError) as e:
        print(f"efficientnet_lite_convert: error: {e}", file=sys.stderr)
        return 1
    return 0


def run(args, argv):
    tf = export_backbone.import_tf(args.threads)
    import keras

    state, dump, meta = load_dump(args.dump)
    size = int(dump["images"].shape[1])
    started = time.perf_counter()
    model = converted_model(state, size)
    logits = model.predict(dump["images"], verbose=0)
    features_model = lite.feature_model(model)
    features = features_model.predict(dump["images"], verbose=0)
    names = lite.class_names()
    figures = parity(logits, features, dump, names)
    print_parity(figures, f"Keras EfficientNet-Lite0 {size}x{size}")
    require(figures, "the converted Keras model")
    if args.time:
        for batch in (1, 32):
            print(f"Keras forward, batch {batch}: {forward_time(tf, model, size, batch) * 1e3:.1f} ms per image")

    weights = dict(meta["weights"])
    source = {
        "kind": "pytorch_state_dict",
        "architecture": meta["architecture"],
        "pytorch_reference": meta["reference"],
        "keras_builder": "saved-models/efficientnet_lite.py (Keras layer names = PyTorch module names without their "
                         "leading underscores)",
        "packages": meta["packages"],
        "classifier": "dropped: the features are the pooled 1280-d output before fc (ImageNet's 1000 classes)",
    }
    preprocessing = {
        "mode": "tflite",
        "description": "(pixel - 127) / 128, RGB: the preprocessing of TF Lite's EfficientNet-Lite, which these "
                       "weights were trained with (ImageNet accuracy measured at 224 x 224 after resizing the "
                       "short side to 256 and a centre crop)",
        "input_range": [0.0, 255.0],
        "channel_order": "RGB",
        "mean": [lite.MEAN] * 3,
        "std": [lite.STD] * 3,
    }
    record = {k: v for k, v in figures.items()}
    record["photos_preprocessing"] = meta["preprocessing"]
    record["photo_sources"] = meta["photos"]

    def check_export(saved_dir):
        loaded = tf.saved_model.load(saved_dir)
        got = loaded.signatures["serving_default"](images=tf.constant(dump["images"]))["features"].numpy()
        err = lite.relative_error(got, dump["features"])
        fc = model.get_layer("fc")
        kernel, bias = (np.asarray(w) for w in fc.get_weights())
        top5 = lite.top_k(got @ kernel + bias)
        same = bool(np.array_equal(top5, lite.top_k(dump["logits"])))
        if err > TOLERANCE or not same:
            raise ParityError(f"export {saved_dir}: features relative error {err:.3g} vs PyTorch, same top-5 "
                              f"(features @ fc) {same}")
        return {"features_relative_error_vs_pytorch": err, "same_top5_vs_pytorch": same,
                "photos": [str(n) for n in dump["photos"]]}

    created_by = {"script": "saved-models/efficientnet_lite_convert.py", "args": list(argv),
                  "dump_script": "saved-models/efficientnet_lite_dump.py"}
    for fmt, out in (("tf2", args.out_tf2), ("graph", args.out_graph)):
        if not out:
            continue
        export_backbone.write_backbone(
            tf, keras, np, features_model, out, fmt=fmt, preprocessing=preprocessing, source=source,
            weights=weights, created_by=created_by, pooling="avg", check=check_export,
            extra={"parity": record, "build_key": args.build_key})
    print(f"efficientnet_lite_convert: done in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    sys.exit(main())
