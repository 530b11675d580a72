"""The PyTorch peer: VGG-5 + ProgressiveSpinalNet written the way the paper's scripts write it.

Structure as in the reference scripts (ProgressiveSpinalNet's KMNIST.py/QMNIST_010.py, SpinalNet's
MNIST_VGG scripts): `nn.Sequential` conv/BN/ReLU/MaxPool blocks `l1..l4` with the scripts' init,
`x.view(x.size(0), -1)`, copy-pasted `fc_spinal_layer1..4` (`Linear -> ReLU`, or
`Linear -> BatchNorm1d -> ReLU` as in the vanilla MNIST script), `torch.cat` wiring, `fc_out`, and a
forward that returns `F.log_softmax(x, dim=1)` fed to `nn.CrossEntropyLoss` (log_softmax is idempotent
under log_softmax, so the loss equals the cross-entropy of the raw logits).

The one change: each dropout is made by a factory `drop(scope, p)` (default `nn.Dropout(p)`), so that
the parity check can substitute Spinal's dropout masks. `scope` is the name of the matching dropout in
Spinal's graph (e.g. "dropout" in the progressive head, "layer3" and "output" in the SpinalNet head).
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def default_drop(scope, p):
    return nn.Dropout(p=p)


class FixedMaskDropout(nn.Module):
    """Inverted dropout with a given 0/1 keep mask (training mode only), like nn.Dropout's scaling."""

    def __init__(self, keep_mask, p):
        super().__init__()
        self.register_buffer("keep_mask", torch.as_tensor(keep_mask))
        self.p = p

    def forward(self, x):
        if not self.training or self.p == 0:
            return x
        return x * self.keep_mask / (1.0 - self.p)


def hidden(in_size, layer_width, batch_norm, dropout=None):
    """One hidden layer as the scripts write it: [Dropout,] Linear, [BatchNorm1d,] ReLU."""
    parts = [] if dropout is None else [dropout]
    parts.append(nn.Linear(in_size, layer_width))
    if batch_norm:
        parts.append(nn.BatchNorm1d(layer_width))
    parts.append(nn.ReLU(inplace=True))
    return nn.Sequential(*parts)


class ProgressiveSpinalHead(nn.Module):
    """ProgressiveSpinalNet FC part (Chopra), 4 layers, as in the VGG-5 scripts."""

    spinal_scope = "progressive_spinal_head"

    def __init__(self, in_size, layer_width, num_classes, p=0.2, batch_norm=False, drop=default_drop):
        super().__init__()
        self.dropout = drop("dropout", p)
        self.fc_spinal_layer1 = hidden(in_size, layer_width, batch_norm)
        self.fc_spinal_layer2 = hidden(in_size + layer_width * 1, layer_width, batch_norm)
        self.fc_spinal_layer3 = hidden(in_size + layer_width * 2, layer_width, batch_norm)
        self.fc_spinal_layer4 = hidden(in_size + layer_width * 3, layer_width, batch_norm)
        self.fc_out = nn.Sequential(nn.Linear(in_size + layer_width * 4, num_classes))

    def forward(self, x):
        Xaux = self.dropout(x)

        x1 = self.fc_spinal_layer1(x)
        Xaux = torch.cat([Xaux, x1], dim=1)

        x2 = self.fc_spinal_layer2(Xaux)
        Xaux = torch.cat([Xaux, x2], dim=1)

        x3 = self.fc_spinal_layer3(Xaux)
        Xaux = torch.cat([Xaux, x3], dim=1)

        x4 = self.fc_spinal_layer4(Xaux)
        Xaux = torch.cat([Xaux, x4], dim=1)

        return self.fc_out(Xaux)

    def layer(self, name):
        return {"layer1": self.fc_spinal_layer1, "layer2": self.fc_spinal_layer2,
                "layer3": self.fc_spinal_layer3, "layer4": self.fc_spinal_layer4,
                "output": self.fc_out}[name]


class SpinalHead(nn.Module):
    """The original SpinalNet FC part (Kabir et al.), 4 layers, dropout inside every layer."""

    spinal_scope = "spinal_head"

    def __init__(self, in_size, layer_width, num_classes, p=0.2, batch_norm=False, drop=default_drop):
        super().__init__()
        self.half_width = in_size // 2
        Half_width = self.half_width
        rest = in_size - Half_width
        self.fc_spinal_layer1 = hidden(Half_width, layer_width, batch_norm, drop("layer1", p))
        self.fc_spinal_layer2 = hidden(rest + layer_width, layer_width, batch_norm, drop("layer2", p))
        self.fc_spinal_layer3 = hidden(Half_width + layer_width, layer_width, batch_norm, drop("layer3", p))
        self.fc_spinal_layer4 = hidden(rest + layer_width, layer_width, batch_norm, drop("layer4", p))
        self.fc_out = nn.Sequential(drop("output", p), nn.Linear(layer_width * 4, num_classes))

    def forward(self, x):
        Half_width = self.half_width
        x1 = self.fc_spinal_layer1(x[:, 0:Half_width])
        x2 = self.fc_spinal_layer2(torch.cat([x[:, Half_width:], x1], dim=1))
        x3 = self.fc_spinal_layer3(torch.cat([x[:, 0:Half_width], x2], dim=1))
        x4 = self.fc_spinal_layer4(torch.cat([x[:, Half_width:], x3], dim=1))

        x = torch.cat([x1, x2], dim=1)
        x = torch.cat([x, x3], dim=1)
        x = torch.cat([x, x4], dim=1)

        return self.fc_out(x)

    def layer(self, name):
        return ProgressiveSpinalHead.layer(self, name)


class DenseHead(nn.Module):
    """A plain MLP of the same width and depth (Spinal's DenseHead): no dropout before layer 1."""

    spinal_scope = "dense_head"

    def __init__(self, in_size, layer_width, num_classes, p=0.2, batch_norm=False, drop=default_drop):
        super().__init__()
        self.fc_layer1 = hidden(in_size, layer_width, batch_norm)
        self.fc_layer2 = hidden(layer_width, layer_width, batch_norm, drop("layer2", p))
        self.fc_layer3 = hidden(layer_width, layer_width, batch_norm, drop("layer3", p))
        self.fc_layer4 = hidden(layer_width, layer_width, batch_norm, drop("layer4", p))
        self.fc_out = nn.Sequential(drop("output", p), nn.Linear(layer_width, num_classes))

    def forward(self, x):
        x = self.fc_layer1(x)
        x = self.fc_layer2(x)
        x = self.fc_layer3(x)
        x = self.fc_layer4(x)
        return self.fc_out(x)

    def layer(self, name):
        return {"layer1": self.fc_layer1, "layer2": self.fc_layer2, "layer3": self.fc_layer3,
                "layer4": self.fc_layer4, "output": self.fc_out}[name]


HEADS = {"progressive": ProgressiveSpinalHead, "spinal": SpinalHead, "dense": DenseHead}


class SpinalVGG(nn.Module):
    """VGG-5 (the scripts' l1..l4 for 28x28x1) with a head; forward returns log-probabilities."""

    def two_conv_pool(self, in_channels, f1, f2):
        s = nn.Sequential(
            nn.Conv2d(in_channels, f1, kernel_size=3, stride=1, padding=1),
            nn.BatchNorm2d(f1),
            nn.ReLU(inplace=True),
            nn.Conv2d(f1, f2, kernel_size=3, stride=1, padding=1),
            nn.BatchNorm2d(f2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=2, stride=2),
        )
        self._init(s)
        return s

    def three_conv_pool(self, in_channels, f1, f2, f3):
        s = nn.Sequential(
            nn.Conv2d(in_channels, f1, kernel_size=3, stride=1, padding=1),
            nn.BatchNorm2d(f1),
            nn.ReLU(inplace=True),
            nn.Conv2d(f1, f2, kernel_size=3, stride=1, padding=1),
            nn.BatchNorm2d(f2),
            nn.ReLU(inplace=True),
            nn.Conv2d(f2, f3, kernel_size=3, stride=1, padding=1),
            nn.BatchNorm2d(f3),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=2, stride=2),
        )
        self._init(s)
        return s

    @staticmethod
    def _init(s):
        for m in s.children():
            if isinstance(m, nn.Conv2d):
                n = m.kernel_size[0] * m.kernel_size[1] * m.out_channels
                m.weight.data.normal_(0, math.sqrt(2.0 / n))
            elif isinstance(m, nn.BatchNorm2d):
                m.weight.data.fill_(1)
                m.bias.data.zero_()

    def __init__(self, head):
        super().__init__()
        self.l1 = self.two_conv_pool(1, 64, 64)
        self.l2 = self.two_conv_pool(64, 128, 128)
        self.l3 = self.three_conv_pool(128, 256, 256, 256)
        self.l4 = self.three_conv_pool(256, 256, 256, 256)
        self.head = head

    def logits(self, x):
        x = self.l1(x)
        x = self.l2(x)
        x = self.l3(x)
        x = self.l4(x)
        x = x.view(x.size(0), -1)
        return self.head(x)

    def forward(self, x):
        return F.log_softmax(self.logits(x), dim=1)


BLOCKS = [(1, 2), (2, 2), (3, 3), (4, 3)]  # (block, convs)


def parameter_map(model):
    """Spinal variable name -> (torch tensor, to_torch(numpy), from_torch(numpy)) for a SpinalVGG."""
    ident = lambda a: a
    out = {}
    for block, convs in BLOCKS:
        seq = getattr(model, f"l{block}")
        for c in range(1, convs + 1):
            conv, bn = seq[3 * (c - 1)], seq[3 * (c - 1) + 1]
            name = f"vgg5/block{block}_conv{c}"
            # Spinal conv kernels are HWIO; torch's are OIHW.
            out[f"{name}/kernel"] = (conv.weight, lambda a: a.transpose(3, 2, 0, 1),
                                     lambda a: a.transpose(2, 3, 1, 0))
            out[f"{name}/bias"] = (conv.bias, ident, ident)
            _bn(out, f"{name}/bn", bn)
    head = model.head
    for lname in ["layer1", "layer2", "layer3", "layer4", "output"]:
        seq = head.layer(lname)
        linear = next(m for m in seq if isinstance(m, nn.Linear))
        name = f"{head.spinal_scope}/{lname}"
        # Spinal dense kernels are [in, out]; nn.Linear's weight is [out, in].
        out[f"{name}/kernel"] = (linear.weight, lambda a: a.T, lambda a: a.T)
        out[f"{name}/bias"] = (linear.bias, ident, ident)
        bns = [m for m in seq if isinstance(m, nn.BatchNorm1d)]
        if bns:
            _bn(out, f"{name}/bn", bns[0])
    return out


def _bn(out, name, bn):
    ident = lambda a: a
    out[f"{name}/gamma"] = (bn.weight, ident, ident)
    out[f"{name}/beta"] = (bn.bias, ident, ident)
    out[f"{name}/moving_mean"] = (bn.running_mean, ident, ident)
    out[f"{name}/moving_variance"] = (bn.running_var, ident, ident)
