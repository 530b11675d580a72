"""Speed rows of one peer (PyTorch or Keras), measured as Spinal's `peers bench` measures its own.

Rows (one JSON object on stdout, keys as in Spinal's):
  train_vgg5_b64    training images/s, VGG-5 + ProgressiveSpinal (width 64, depth 4, 10 classes), batch 64
  train_head_b16    training images/s, the head alone on 2048-d features (width 1024, depth 4, 250 classes)
  train_head_b256   same at batch 256
  infer_b1_p50_ms, infer_b1_p99_ms   inference latency at batch 1 of the VGG-5 model, eval mode
  infer_b256        inference images/s at batch 256
  peak_rss_mb       the process's peak resident set (ru_maxrss)
Training: Adam lr 0.001, dropout 0.2, batch norm in training mode, one fixed random batch (as Spinal).
PyTorch: the scripts' loop (forward, CrossEntropyLoss, zero_grad, backward, step); inference in
model.eval() under torch.inference_mode(). Keras: model.compile(Adam, from_logits cross-entropy) with
Keras' defaults (jit_compile="auto") and train_on_batch; inference with predict_on_batch.

Usage: python bench_peer.py --framework torch|keras [--threads 2] [--vgg-steps 15] ...
"""
import argparse
import json
import resource
import time

import numpy as np


def percentile(sorted_ms, p):
    i = int(np.ceil(p / 100.0 * len(sorted_ms))) - 1
    return float(sorted_ms[max(0, min(len(sorted_ms) - 1, i))])


def timed_rate(step, batch, warmup, steps):
    for _ in range(warmup):
        step()
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    return steps * batch / (time.perf_counter() - t0)


LATENCY_WARMUP = 100  # the same in Spinal's PeersBench: JIT, allocator and thread pools settle first


def latency(call, calls):
    for _ in range(LATENCY_WARMUP):
        call()
    ms = []
    for _ in range(calls):
        t0 = time.perf_counter()
        call()
        ms.append((time.perf_counter() - t0) * 1e3)
    ms.sort()
    return percentile(ms, 50), percentile(ms, 99)


def bench_torch(a):
    import torch
    import torch.nn as nn
    import models_torch as mt

    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(a.inter_threads)
    torch.manual_seed(1)
    out = {"framework": "torch", "version": torch.__version__,
           "intra_op_threads": torch.get_num_threads(),
           "inter_op_threads": torch.get_num_interop_threads()}
    criterion = nn.CrossEntropyLoss()

    def trainer(model, x, y):
        optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
        model.train()

        def step():
            outputs = model(x)
            loss = criterion(outputs, y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        return step

    model = mt.SpinalVGG(mt.ProgressiveSpinalHead(256, 64, 10, p=0.2))
    x = torch.rand(64, 1, 28, 28)
    y = torch.randint(0, 10, (64,))
    out["train_vgg5_b64"] = timed_rate(trainer(model, x, y), 64, a.warmup, a.vgg_steps)
    for batch, steps, warm in [(16, a.head16_steps, a.warmup * 3), (256, a.head256_steps, a.warmup)]:
        head = mt.ProgressiveSpinalHead(2048, 1024, 250, p=0.2)
        f = torch.rand(batch, 2048)
        t = torch.randint(0, 250, (batch,))
        out[f"train_head_b{batch}"] = timed_rate(trainer(head, f, t), batch, warm, steps)
    model.eval()
    one, many = torch.rand(1, 1, 28, 28), torch.rand(256, 1, 28, 28)
    with torch.inference_mode():
        out["infer_b1_p50_ms"], out["infer_b1_p99_ms"] = latency(lambda: model(one), a.latency_calls)
        out["infer_b256"] = timed_rate(lambda: model(many), 256, 1, a.infer256_calls)
    return out


def bench_keras(a):
    import tensorflow as tf
    tf.config.threading.set_intra_op_parallelism_threads(a.threads)
    tf.config.threading.set_inter_op_parallelism_threads(a.inter_threads)
    import keras
    import models_keras as mk

    keras.utils.set_random_seed(1)
    out = {"framework": "keras", "version": f"keras {keras.__version__} / TF {tf.__version__}",
           "intra_op_threads": tf.config.threading.get_intra_op_parallelism_threads(),
           "inter_op_threads": tf.config.threading.get_inter_op_parallelism_threads()}

    def compiled(model):
        model.compile(optimizer=keras.optimizers.Adam(0.001),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        return model

    rng = np.random.default_rng(1)
    model = compiled(mk.vgg5_model("progressive", 64, 10, 0.2))
    x = rng.random((64, 28, 28, 1), dtype=np.float32)
    y = rng.integers(0, 10, 64).astype(np.int32)
    out["train_vgg5_b64"] = timed_rate(lambda: model.train_on_batch(x, y), 64, a.warmup, a.vgg_steps)
    out["keras_jit_compile"] = bool(model.jit_compile)
    for batch, steps, warm in [(16, a.head16_steps, a.warmup * 3), (256, a.head256_steps, a.warmup)]:
        head = compiled(mk.head_model("progressive", 2048, 1024, 250, 0.2))
        f = rng.random((batch, 2048), dtype=np.float32)
        t = rng.integers(0, 250, batch).astype(np.int32)
        out[f"train_head_b{batch}"] = timed_rate(lambda: head.train_on_batch(f, t), batch, warm, steps)
    one = rng.random((1, 28, 28, 1), dtype=np.float32)
    many = rng.random((256, 28, 28, 1), dtype=np.float32)
    out["infer_b1_p50_ms"], out["infer_b1_p99_ms"] = latency(lambda: model.predict_on_batch(one),
                                                             a.latency_calls)
    out["infer_b256"] = timed_rate(lambda: model.predict_on_batch(many), 256, 1, a.infer256_calls)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--framework", choices=["torch", "keras"], required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--inter-threads", type=int, default=2)
    ap.add_argument("--vgg-steps", type=int, default=15)
    ap.add_argument("--head16-steps", type=int, default=100)
    ap.add_argument("--head256-steps", type=int, default=15)
    ap.add_argument("--latency-calls", type=int, default=1000)
    ap.add_argument("--infer256-calls", type=int, default=8)
    ap.add_argument("--warmup", type=int, default=3)
    a = ap.parse_args()
    out = (bench_torch if a.framework == "torch" else bench_keras)(a)
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps(out))


if __name__ == "__main__":
    main()
