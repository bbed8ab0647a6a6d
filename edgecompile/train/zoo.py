"""Edge architectures, each sized from the data: input shape (C, H, W) and class count.

Every builder takes (in_shape, num_classes, width) and returns a plain nn.Module, so a
checkpoint only needs the architecture name and these arguments to rebuild it.
"""
from __future__ import annotations

import torch
import torch.nn as nn

from edgecompile.errors import UsageError


def _bn_relu(cin: int, cout: int, k: int = 3, stride: int = 1, groups: int = 1) -> list[nn.Module]:
    return [nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]


def _downsamples(h: int, w: int, target: int = 4) -> int:
    """How many stride-2 steps bring the smaller side down to about `target` (0 for 8x8 digits)."""
    n, side = 0, min(h, w)
    while side > target * 2 - 1 and n < 5:
        side, n = (side + 1) // 2, n + 1
    return n


def mlp(in_shape, num_classes: int, width: int = 128) -> nn.Module:
    c, h, w = in_shape
    return nn.Sequential(nn.Flatten(), nn.Linear(c * h * w, width), nn.ReLU(),
                         nn.Linear(width, width // 2), nn.ReLU(), nn.Linear(width // 2, num_classes))


def tinycnn(in_shape, num_classes: int, width: int = 32) -> nn.Module:
    """Three 3x3 conv blocks, pooling to about 4x4, then a Linear after a flatten (no global pool)."""
    c, h, w = in_shape
    layers = _bn_relu(c, width) + _bn_relu(width, 2 * width) + [nn.MaxPool2d(2)]
    h, w = h // 2, w // 2
    for _ in range(_downsamples(h, w)):
        layers += _bn_relu(2 * width, 2 * width) + [nn.MaxPool2d(2)]
        h, w = h // 2, w // 2
    layers += _bn_relu(2 * width, 2 * width) + [nn.Flatten(), nn.Dropout(0.1), nn.Linear(2 * width * h * w, num_classes)]
    return nn.Sequential(*layers)


class _DSBlock(nn.Sequential):
    """Depthwise 3x3 (groups = channels) then pointwise 1x1: the MobileNet / DS-CNN unit."""

    def __init__(self, cin: int, cout: int, stride: int = 1):
        super().__init__(*_bn_relu(cin, cin, 3, stride, groups=cin), *_bn_relu(cin, cout, 1))


def dscnn(in_shape, num_classes: int, width: int = 64) -> nn.Module:
    """Keyword-spotting DS-CNN: a wide stem, four depthwise-separable blocks, global pool."""
    c, h, w = in_shape
    stride = 2 if min(h, w) >= 16 else 1
    stem = [nn.Conv2d(c, width, (min(h, 10), min(w, 4)), stride, (min(h, 10) // 2, min(w, 4) // 2), bias=False),
            nn.BatchNorm2d(width), nn.ReLU()]
    blocks = [_DSBlock(width, width) for _ in range(4)]
    return nn.Sequential(*stem, *blocks, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(width, num_classes))


def mobilenet_tiny(in_shape, num_classes: int, width: int = 16) -> nn.Module:
    """A small MobileNet-v1: stride-2 stages chosen so the last feature map is about 2x2 to 4x4."""
    c, h, w = in_shape
    n_down = _downsamples(h, w, 2)
    layers = _bn_relu(c, width, 3, 2 if n_down > 2 else 1)
    n_down -= 1 if n_down > 2 else 0
    cin = width
    for i, mult in enumerate((2, 4, 4, 8, 8)):
        stride = 2 if i < n_down else 1
        layers.append(_DSBlock(cin, width * mult, stride))
        cin = width * mult
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.1), nn.Linear(cin, num_classes))


class _Residual(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int):
        super().__init__()
        self.body = nn.Sequential(*_bn_relu(cin, cout, 3, stride),
                                  nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout))
        self.shortcut = (nn.Identity() if stride == 1 and cin == cout else
                         nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout)))
        self.act = nn.ReLU()

    def forward(self, x):
        return self.act(self.body(x) + self.shortcut(x))  # the add couples body and shortcut channels


def resnet8(in_shape, num_classes: int, width: int = 16) -> nn.Module:
    """MLPerf Tiny's ResNet-8: a stem and three residual stages (width, 2x, 4x), global pool."""
    c, h, w = in_shape
    stride = 2 if min(h, w) >= 8 else 1
    return nn.Sequential(*_bn_relu(c, width), _Residual(width, width, 1), _Residual(width, 2 * width, stride),
                         _Residual(2 * width, 4 * width, stride), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                         nn.Linear(4 * width, num_classes))


# name -> (builder, default width); the CLI lists these names
ARCHS = {
    "mlp": (mlp, 128),
    "tinycnn": (tinycnn, 32),  # 32: a 50% prune still keeps accuracy within 1 point on digits
    "dscnn": (dscnn, 64),
    "mobilenet-tiny": (mobilenet_tiny, 16),
    "resnet8": (resnet8, 16),
}


def arch_args(arch: str, in_shape, num_classes: int, width: int | None = None) -> dict:
    """The arguments a checkpoint stores to rebuild `arch` exactly."""
    if arch not in ARCHS:
        raise UsageError(f"Unknown architecture '{arch}'. Choose from: {', '.join(ARCHS)}.")
    if len(in_shape) != 3 or min(in_shape) < 1:
        raise UsageError(f"Architectures take C x H x W inputs; the data has samples shaped {tuple(in_shape)}.")
    return {"in_shape": [int(d) for d in in_shape], "num_classes": int(num_classes), "width": int(width or ARCHS[arch][1])}


def build(arch: str, args: dict) -> nn.Module:
    if arch not in ARCHS:
        raise UsageError(f"Unknown architecture '{arch}'. Choose from: {', '.join(ARCHS)}.")
    return ARCHS[arch][0](tuple(args["in_shape"]), args["num_classes"], args["width"])


def classifier(model: nn.Module) -> nn.Module:
    """The last Linear: pruning keeps its outputs (the classes)."""
    last = [m for m in model.modules() if isinstance(m, nn.Linear)]
    return last[-1]


@torch.no_grad()
def count_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
