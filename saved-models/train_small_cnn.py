#!/usr/bin/env python3
"""Train Spinal's small pretrained Keras CNN on a subset of Fashion-MNIST classes, offline.

The network is the backbone that Spinal's transfer demonstration starts from: trained here on
classes 0-4 (T-shirt/top, Trouser, Pullover, Dress, Coat), then used frozen or fine-tuned on
classes 5-9 (Sandal, Shirt, Sneaker, Bag, Ankle boot), which it has never seen.

    images [-1, 28, 28, 1], pixel / 255
    -> [conv3x3(32) BN ReLU] x2 -> maxpool -> [conv3x3(64) BN ReLU] x2 -> maxpool
    -> conv3x3(128) BN ReLU -> maxpool (3x3x128) -> flatten
    -> dense(128) ReLU  == layer "features" (what the exported backbone outputs)
    -> dropout(0.3) -> dense(len(classes)) == layer "logits" (dropped by the export)

Data: the IDX files of Debian's dataset-fashion-mnist package (/usr/share/datasets/fashion-mnist/),
checked against the SHA-256 of the upstream payloads. Writes a .keras model file (no optimizer
state) and a provenance JSON that export_backbone.py --provenance folds into backbone.json.
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import platform
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

DATA_DIR = "/usr/share/datasets/fashion-mnist"
# SHA-256 of the decompressed upstream payloads (Debian recompressed the .gz files).
SHA256 = {
    "train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "t10k-images-idx3-ubyte": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "t10k-labels-idx1-ubyte": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}
CLASS_NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
               "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


def read_idx(data_dir, name, np):
    path = os.path.join(data_dir, name + ".gz")
    if not os.path.isfile(path):
        sys.exit(f"train_small_cnn: {path} not found. Install Debian's Fashion-MNIST: "
                 "apt-get update && apt-get install -y dataset-fashion-mnist")
    with gzip.open(path, "rb") as f:
        payload = f.read()
    digest = hashlib.sha256(payload).hexdigest()
    if digest != SHA256[name]:
        sys.exit(f"train_small_cnn: {path}: SHA-256 of the payload is {digest}, expected {SHA256[name]}")
    magic = int.from_bytes(payload[0:4], "big")
    ndim = magic & 0xFF
    dims = [int.from_bytes(payload[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    data = np.frombuffer(payload, np.uint8, offset=4 + 4 * ndim).reshape(dims)
    return data, digest


def build_model(keras, num_classes):
    layers = keras.layers
    inputs = keras.Input(shape=(28, 28, 1), name="images")
    x = inputs
    for i, filters in enumerate([32, 32, None, 64, 64, None, 128, None]):
        if filters is None:
            x = layers.MaxPooling2D(2, name=f"pool{i}")(x)
            continue
        x = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"conv{i}")(x)
        x = layers.BatchNormalization(name=f"bn{i}")(x)
        x = layers.ReLU(name=f"relu{i}")(x)
    x = layers.Flatten(name="flatten")(x)
    features = layers.Dense(128, activation="relu", name="features")(x)
    x = layers.Dropout(0.3, name="dropout")(features)
    logits = layers.Dense(num_classes, name="logits")(x)
    return keras.Model(inputs, logits, name="fmnist_small_cnn")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data-dir", default=DATA_DIR)
    p.add_argument("--classes", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    p.add_argument("--epochs", type=int, default=6)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--learning-rate", type=float, default=1e-3)
    p.add_argument("--validation", type=int, default=3000, help="training images held out for validation")
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out-model", required=True, help=".keras file to write")
    p.add_argument("--out-provenance", required=True, help="provenance JSON to write")
    args = p.parse_args(argv)

    import numpy as np
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    import keras

    keras.utils.set_random_seed(args.seed)

    digests = {}
    arrays = {}
    for name in SHA256:
        arrays[name], digests[name] = read_idx(args.data_dir, name, np)
    classes = list(args.classes)
    remap = np.full(10, -1, np.int64)
    remap[classes] = np.arange(len(classes))

    def subset(images, labels):
        keep = np.isin(labels, classes)
        x = images[keep].astype(np.float32)[..., None] / 255.0  # preprocessing "scale_0_1"
        return x, remap[labels[keep]]

    x_all, y_all = subset(arrays["train-images-idx3-ubyte"], arrays["train-labels-idx1-ubyte"])
    x_test, y_test = subset(arrays["t10k-images-idx3-ubyte"], arrays["t10k-labels-idx1-ubyte"])
    order = np.random.default_rng(args.seed).permutation(len(x_all))
    val_idx, train_idx = order[: args.validation], order[args.validation:]
    x_train, y_train = x_all[train_idx], y_all[train_idx]
    x_val, y_val = x_all[val_idx], y_all[val_idx]
    print(f"classes {classes}: train {len(x_train)}, validation {len(x_val)}, test {len(x_test)}", flush=True)

    model = build_model(keras, len(classes))
    model.compile(optimizer=keras.optimizers.Adam(args.learning_rate),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    start = time.time()
    history = model.fit(x_train, y_train, batch_size=args.batch_size, epochs=args.epochs,
                        validation_data=(x_val, y_val), shuffle=True, verbose=2)
    train_seconds = time.time() - start
    test_loss, test_acc = model.evaluate(x_test, y_test, batch_size=512, verbose=0)
    print(f"test accuracy on classes {classes}: {test_acc:.4f} (loss {test_loss:.4f}), "
          f"training took {train_seconds:.0f} s", flush=True)

    # Save without optimizer state: an uncompiled copy with the trained weights.
    plain = build_model(keras, len(classes))
    plain.set_weights(model.get_weights())
    os.makedirs(os.path.dirname(os.path.abspath(args.out_model)), exist_ok=True)
    plain.save(args.out_model)

    provenance = {
        "script": "saved-models/train_small_cnn.py",
        "args": sys.argv[1:] if argv is None else list(argv),
        "seed": args.seed,
        "data": {
            "dataset": "Fashion-MNIST",
            "source": "Debian package dataset-fashion-mnist, " + args.data_dir,
            "sha256_of_decompressed_files": digests,
            "classes": {str(c): CLASS_NAMES[c] for c in classes},
            "label_mapping": "class classes[i] -> logit i",
            "train_images": int(len(x_train)),
            "validation_images": int(len(x_val)),
            "test_images": int(len(x_test)),
            "validation_split": f"{args.validation} images of the training set, permutation seeded with {args.seed}",
            "preprocessing": "pixel / 255 (scale_0_1), no augmentation",
        },
        "architecture": "see train_small_cnn.py docstring; features = layer 'features' (dense 128, ReLU)",
        "optimizer": {"name": "Adam", "learning_rate": args.learning_rate},
        "loss": "sparse categorical cross-entropy on logits",
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "history": {k: [round(float(v), 5) for v in vals] for k, vals in history.history.items()},
        "test_accuracy": round(float(test_acc), 5),
        "test_loss": round(float(test_loss), 5),
        "train_seconds": round(train_seconds, 1),
        "threads": args.threads,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "versions": {"tensorflow": tf.__version__, "keras": keras.__version__, "numpy": np.__version__},
        "determinism": "seeded (keras.utils.set_random_seed); oneDNN CPU kernels are not guaranteed "
                       "bit-reproducible, so a rerun may differ in the last digits",
    }
    with open(args.out_provenance, "w") as f:
        json.dump(provenance, f, indent=2)
        f.write("\n")
    print(f"wrote {args.out_model} and {args.out_provenance}")


if __name__ == "__main__":
    main()
