"""A MobileNetV2-like float ONNX model with a high-resolution start (MCUNetV2's case): a stride-2 stem to 16
channels, inverted-residual blocks (expand 1x1, depthwise 3x3, project 1x1, residual Add where the shape
allows), global pooling and a classifier. Random weights (seeded): for memory plans and bit-exactness, not
accuracy. Shared by the patch tests and benchmarks/patch_ram.py."""
from __future__ import annotations

import numpy as np

# (expansion, output channels, stride) per inverted-residual block, after the stem
BLOCKS = ((1, 8, 1), (6, 16, 2), (6, 16, 1), (6, 24, 2), (6, 24, 1))


def model(size: int = 96, stem: int = 16, blocks=BLOCKS, classes: int = 10, seed: int = 0):
    from onnx import helper

    from backends.c import op_models

    rng = np.random.default_rng(seed)
    inits, nodes = {}, []

    def conv(x, cin, cout, k, s=1, groups=1, relu=True):
        i = len(nodes)
        inits[f"w{i}"] = (rng.standard_normal((cout, cin // groups, k, k)) * (1.5 / np.sqrt(k * k * cin / groups))
                          ).astype(np.float32)
        inits[f"b{i}"] = (rng.standard_normal(cout) * 0.1).astype(np.float32)
        nodes.append(helper.make_node("Conv", [x, f"w{i}", f"b{i}"], [f"conv{i}"], name=f"conv{i}", group=groups,
                                      kernel_shape=[k, k], strides=[s, s], pads=[k // 2] * 4))
        if not relu:
            return f"conv{i}"
        nodes.append(helper.make_node("Relu", [f"conv{i}"], [f"relu{i}"], name=f"relu{i}"))
        return f"relu{i}"

    x, c = conv("x", 3, stem, 3, 2), stem
    for t, cout, s in blocks:
        h = conv(x, c, c * t, 1) if t != 1 else x
        h = conv(h, c * t, c * t, 3, s, groups=c * t)
        h = conv(h, c * t, cout, 1, relu=False)
        if s == 1 and cout == c:
            nodes.append(helper.make_node("Add", [h, x], [f"add{len(nodes)}"], name=f"add{len(nodes)}"))
            h = nodes[-1].output[0]
        x, c = h, cout
    nodes.append(helper.make_node("GlobalAveragePool", [x], ["gap"], name="gap"))
    nodes.append(helper.make_node("Flatten", ["gap"], ["flat"], name="flat"))
    inits["fc_w"] = (rng.standard_normal((c, classes)) * 0.3).astype(np.float32)
    inits["fc_b"] = np.zeros(classes, np.float32)
    nodes.append(helper.make_node("Gemm", ["flat", "fc_w", "fc_b"], ["logits"], name="fc"))
    return op_models.model(nodes, {"x": (1, 3, size, size)}, ["logits"], inits)
