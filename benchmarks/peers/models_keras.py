"""The Keras peer: VGG-5 + the three heads in Keras' functional API.

Same function as the PyTorch scripts and Spinal: Conv2D(3x3, same, bias) -> BatchNormalization ->
ReLU blocks with 2x2 max-pools, flatten, then the head. BatchNormalization(epsilon=1e-5,
momentum=0.9) is PyTorch's BatchNorm (eps 1e-5, momentum 0.1) in Keras' convention. Layers are named
after Spinal's variables (block1_conv1, block1_conv1_bn, layer1, output, ...) so the parity check
loads weights by name. Each dropout is made by `drop(scope, p)` (default `layers.Dropout(p)`), so
the parity check can substitute Spinal's masks.
"""
import keras
from keras import layers, ops

BLOCKS = [(1, [64, 64]), (2, [128, 128]), (3, [256, 256, 256]), (4, [256, 256, 256])]


def default_drop(scope, p):
    return layers.Dropout(p, name=f"{scope}_dropout")


class FixedMaskDropout(layers.Layer):
    """Inverted dropout with a given 0/1 keep mask, active only in training."""

    def __init__(self, keep_mask, p, **kwargs):
        super().__init__(**kwargs)
        self.keep_mask = keep_mask
        self.p = p

    def call(self, x, training=None):
        if not training or self.p == 0:
            return x
        return x * ops.convert_to_tensor(self.keep_mask) / (1.0 - self.p)


def bn(name):
    return layers.BatchNormalization(epsilon=1e-5, momentum=0.9, name=name)


def vgg5(x):
    for block, filters in BLOCKS:
        for c, f in enumerate(filters, start=1):
            name = f"block{block}_conv{c}"
            x = layers.Conv2D(f, 3, padding="same", name=name)(x)
            x = bn(f"{name}_bn")(x)
            x = layers.ReLU()(x)
        x = layers.MaxPooling2D(2, 2)(x)
    return layers.Flatten()(x)


def _hidden(x, width, batch_norm, name):
    if batch_norm:
        x = layers.Dense(width, name=name)(x)
        x = bn(f"{name}_bn")(x)
        return layers.ReLU()(x)
    return layers.Dense(width, activation="relu", name=name)(x)


def progressive_head(x, width, classes, p, batch_norm=False, drop=default_drop, depth=4):
    readable = [drop("dropout", p)(x)]
    for i in range(1, depth + 1):
        inp = x if i == 1 else (readable[0] if len(readable) == 1 else layers.Concatenate()(readable))
        readable.append(_hidden(inp, width, batch_norm, f"layer{i}"))
    return layers.Dense(classes, name="output")(layers.Concatenate()(readable))


def spinal_head(x, width, classes, p, batch_norm=False, drop=default_drop, depth=4):
    half = x.shape[-1] // 2
    a = layers.Lambda(lambda t: t[:, :half])(x)
    b = layers.Lambda(lambda t: t[:, half:])(x)
    outs = []
    for i in range(1, depth + 1):
        part = a if i % 2 == 1 else b
        inp = part if i == 1 else layers.Concatenate()([part, outs[-1]])
        outs.append(_hidden(drop(f"layer{i}", p)(inp), width, batch_norm, f"layer{i}"))
    return layers.Dense(classes, name="output")(drop("output", p)(layers.Concatenate()(outs)))


def dense_head(x, width, classes, p, batch_norm=False, drop=default_drop, depth=4):
    h = _hidden(x, width, batch_norm, "layer1")
    for i in range(2, depth + 1):
        h = _hidden(drop(f"layer{i}", p)(h), width, batch_norm, f"layer{i}")
    return layers.Dense(classes, name="output")(drop("output", p)(h))


HEADS = {"progressive": progressive_head, "spinal": spinal_head, "dense": dense_head}
SCOPES = {"progressive": "progressive_spinal_head", "spinal": "spinal_head", "dense": "dense_head"}


def vgg5_model(head, width, classes, p=0.2, batch_norm=False, drop=default_drop):
    images = keras.Input((28, 28, 1), name="images")
    logits = HEADS[head](vgg5(images), width, classes, p, batch_norm, drop)
    return keras.Model(images, logits)


def head_model(head, in_size, width, classes, p=0.2, batch_norm=False, drop=default_drop):
    features = keras.Input((in_size,), name="features")
    return keras.Model(features, HEADS[head](features, width, classes, p, batch_norm, drop))


def variable_map(model, head):
    """Spinal variable name -> keras Variable, for a vgg5_model."""
    out = {}

    def conv_bn(spinal, keras_name):
        layer = model.get_layer(keras_name)
        out[f"{spinal}/kernel"], out[f"{spinal}/bias"] = layer.kernel, layer.bias

    def batchnorm(spinal, keras_name):
        b = model.get_layer(keras_name)
        out[f"{spinal}/gamma"], out[f"{spinal}/beta"] = b.gamma, b.beta
        out[f"{spinal}/moving_mean"], out[f"{spinal}/moving_variance"] = b.moving_mean, b.moving_variance

    for block, filters in BLOCKS:
        for c in range(1, len(filters) + 1):
            name = f"block{block}_conv{c}"
            conv_bn(f"vgg5/{name}", name)
            batchnorm(f"vgg5/{name}/bn", f"{name}_bn")
    scope = SCOPES[head]
    names = {layer.name for layer in model.layers}
    for lname in ["layer1", "layer2", "layer3", "layer4", "output"]:
        conv_bn(f"{scope}/{lname}", lname)
        if f"{lname}_bn" in names:
            batchnorm(f"{scope}/{lname}/bn", f"{lname}_bn")
    return out
