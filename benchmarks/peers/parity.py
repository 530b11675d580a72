"""Parity of a peer (PyTorch or Keras) with Spinal on the folders `spinal peers parity` writes.

For each case folder (see ParityExport.java for the format): load Spinal's weights into the peer's
model, then on the same fixed batch compute
  * inference mode (eval(): dropout off, batch norm on moving statistics): logits and loss;
  * training mode (batch norm on batch statistics, dropout with Spinal's masks for that batch):
    logits, loss and the gradient of the loss for every trainable weight,
and compare each with Spinal's. The error of a tensor is max|peer - spinal| / max|spinal| (relative to
the tensor's scale, so that near-zero entries do not divide by ~0); the tolerance is 1e-4.

One exception: the bias of a layer followed by batch norm has an exact gradient of 0 in training mode
(batch norm subtracts the batch mean), so both frameworks return float32 round-off (~1e-8) there and a
ratio of two round-offs means nothing. For those biases the difference is measured against the scale of
the same layer's kernel gradient instead (reported as zero_grads_max), which still fails a bias whose
gradient is not ~0 in one framework.

Usage: python parity.py --framework torch|keras CASE_DIR... (exit 1 if any error exceeds the tolerance)
"""
import argparse
import json
import os
import sys

import numpy as np

TOLERANCE = 1e-4


def rel_error(peer, spinal):
    peer, spinal = np.asarray(peer, np.float64), np.asarray(spinal, np.float64)
    if peer.shape != spinal.shape:
        raise AssertionError(f"shape {peer.shape} != Spinal's {spinal.shape}")
    scale = np.max(np.abs(spinal))
    return float(np.max(np.abs(peer - spinal)) / max(scale, 1e-30))


def load_case(case_dir):
    with open(os.path.join(case_dir, "manifest.json")) as f:
        manifest = json.load(f)
    weights = dict(np.load(os.path.join(case_dir, "weights.npz")))
    inputs = dict(np.load(os.path.join(case_dir, "inputs.npz")))
    spinal = dict(np.load(os.path.join(case_dir, "spinal.npz")))
    return manifest, weights, inputs, spinal


def masks_of(inputs, scope):
    prefix = f"mask/{scope}/"
    return {k[len(prefix):]: v for k, v in inputs.items() if k.startswith(prefix)}


def run_torch(manifest, weights, inputs):
    import torch
    import torch.nn as nn
    import models_torch as mt

    torch.set_num_threads(2)
    head_cls = mt.HEADS[manifest["head"]]
    masks = masks_of(inputs, head_cls.spinal_scope)
    drop = lambda scope, p: mt.FixedMaskDropout(masks[scope], p)
    head = head_cls(manifest["feature_size"], manifest["width"], manifest["classes"],
                    p=manifest["dropout"], batch_norm=manifest["head_batch_norm"], drop=drop)
    model = mt.SpinalVGG(head)
    params = mt.parameter_map(model)
    missing = set(params) ^ set(weights)
    assert not missing, f"names differ between Spinal and the torch model: {sorted(missing)}"
    with torch.no_grad():
        for name, (tensor, to_torch, _) in params.items():
            tensor.copy_(torch.from_numpy(np.ascontiguousarray(to_torch(weights[name]))))
    x = torch.from_numpy(inputs["images"].transpose(0, 3, 1, 2).copy())  # NHWC -> NCHW
    y = torch.from_numpy(inputs["labels"].astype(np.int64))
    criterion = nn.CrossEntropyLoss()
    out = {}
    model.eval()
    with torch.no_grad():
        out["eval/logits"] = model.logits(x).numpy()
        out["eval/loss"] = criterion(model(x), y).numpy()
    model.train()
    model.zero_grad()
    logits = model.logits(x)
    loss = criterion(F_log_softmax(logits), y)  # what the scripts' forward + criterion compute
    loss.backward()
    out["train/logits"] = logits.detach().numpy()
    out["train/loss"] = loss.detach().numpy()
    trainable = {v["name"] for v in manifest["variables"] if v["trainable"]}
    for name, (tensor, _, from_torch) in params.items():
        if name in trainable:
            out[f"grad/{name}"] = from_torch(tensor.grad.numpy())
    return out


def F_log_softmax(t):
    import torch.nn.functional as F
    return F.log_softmax(t, dim=1)


def run_keras(manifest, weights, inputs):
    import tensorflow as tf
    tf.config.threading.set_intra_op_parallelism_threads(2)
    tf.config.threading.set_inter_op_parallelism_threads(2)
    import keras
    import models_keras as mk

    masks = masks_of(inputs, mk.SCOPES[manifest["head"]])
    drop = lambda scope, p: mk.FixedMaskDropout(masks[scope], p)
    model = mk.vgg5_model(manifest["head"], manifest["width"], manifest["classes"],
                          p=manifest["dropout"], batch_norm=manifest["head_batch_norm"], drop=drop)
    variables = mk.variable_map(model, manifest["head"])
    missing = set(variables) ^ set(weights)
    assert not missing, f"names differ between Spinal and the keras model: {sorted(missing)}"
    for name, var in variables.items():
        var.assign(weights[name])  # Keras uses Spinal's layouts: HWIO conv, [in, out] dense
    x = tf.constant(inputs["images"])
    y = tf.constant(inputs["labels"])
    criterion = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    out = {}
    logits = model(x, training=False)
    out["eval/logits"] = logits.numpy()
    out["eval/loss"] = criterion(y, logits).numpy()
    trainable = [v["name"] for v in manifest["variables"] if v["trainable"]]
    with tf.GradientTape() as tape:
        logits = model(x, training=True)
        loss = criterion(y, logits)
    grads = tape.gradient(loss, [variables[n] for n in trainable])
    out["train/logits"] = logits.numpy()
    out["train/loss"] = loss.numpy()
    for name, g in zip(trainable, grads):
        out[f"grad/{name}"] = g.numpy()
    return out


RUNNERS = {"torch": run_torch, "keras": run_keras}


def check_case(framework, case_dir):
    """Errors per quantity: {'logits (eval)': e, ..., 'grads (max)': e, 'worst grad': name}."""
    manifest, weights, inputs, spinal = load_case(case_dir)
    peer = RUNNERS[framework](manifest, weights, inputs)
    grad_names = [k for k in spinal if k.startswith("grad/")]
    assert set(grad_names) == {k for k in peer if k.startswith("grad/")}, "gradient sets differ"
    errors = {
        "logits_eval": rel_error(peer["eval/logits"], spinal["eval/logits"]),
        "loss_eval": rel_error(peer["eval/loss"], spinal["eval/loss"]),
        "logits_train": rel_error(peer["train/logits"], spinal["train/logits"]),
        "loss_train": rel_error(peer["train/loss"], spinal["train/loss"]),
    }
    batch_normed = {v["name"].rsplit("/bn/", 1)[0] for v in manifest["variables"]
                    if v["name"].endswith("/bn/gamma")}
    grad_errors, zero_errors = {}, {}
    for k in grad_names:
        layer, _, var = k[5:].rpartition("/")
        if var == "bias" and layer in batch_normed:
            scale = np.max(np.abs(spinal[f"grad/{layer}/kernel"]))
            diff = np.max(np.abs(np.asarray(peer[k], np.float64) - spinal[k]))
            zero_errors[k[5:]] = float(diff / scale)
        else:
            grad_errors[k[5:]] = rel_error(peer[k], spinal[k])
    worst = max(grad_errors, key=grad_errors.get)
    errors["grads_max"] = grad_errors[worst]
    errors["grads_count"] = len(grad_errors)
    errors["worst_grad"] = worst
    errors["zero_grads_max"] = max(zero_errors.values(), default=0.0)
    errors["zero_grads_count"] = len(zero_errors)
    errors["loss_spinal"] = float(spinal["train/loss"])
    return errors


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--framework", choices=sorted(RUNNERS), required=True)
    ap.add_argument("cases", nargs="+")
    args = ap.parse_args(argv)
    failed = False
    for case_dir in args.cases:
        e = check_case(args.framework, case_dir)
        ok = all(e[k] <= TOLERANCE for k in
                 ["logits_eval", "loss_eval", "logits_train", "loss_train", "grads_max",
                  "zero_grads_max"])
        failed |= not ok
        print(json.dumps({"framework": args.framework, "case": os.path.basename(case_dir.rstrip("/")),
                          "ok": ok, **e}))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
