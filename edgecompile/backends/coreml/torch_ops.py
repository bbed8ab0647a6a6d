"""ONNX ops as PyTorch functions, for the ONNX -> torch.nn converter (onnx_to_torch.py).

Each entry takes (node, tensors) and returns a list of output tensors; `node.const(i)` is input i as a
numpy array when it is a constant (shapes, axes, pads), which the traced graph needs as Python values.
RESTRICTIONS names what the support check refuses before any conversion.
"""
from __future__ import annotations

import numpy as np


def _pads_2d(node, x, pads, value=0.0):
    """ONNX pads [x1_begin, x2_begin, ..., x1_end, x2_end] -> F.pad on the spatial dims (last dims first)."""
    import torch.nn.functional as F

    k = len(pads) // 2
    if not any(pads):
        return x
    flat = []
    for i in reversed(range(k)):
        flat += [int(pads[i]), int(pads[i + k])]
    return F.pad(x, flat, value=value)


def conv(node, t):
    import torch.nn.functional as F

    x, w = t[0], t[1]
    b = t[2] if len(t) > 2 else None
    k = w.dim() - 2
    pads = node.attr("pads", [0] * 2 * k)
    stride, dil, group = node.attr("strides", [1] * k), node.attr("dilations", [1] * k), node.attr("group", 1)
    fn = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[k]
    if pads[:k] == pads[k:]:
        return [fn(x, w, b, stride, list(pads[:k]), dil, group)]
    return [fn(_pads_2d(node, x, pads), w, b, stride, 0, dil, group)]


def _pool(node, t, kind):
    import torch.nn.functional as F

    x = t[0]
    kernel = node.attr("kernel_shape")
    k = len(kernel)
    pads, stride = node.attr("pads", [0] * 2 * k), node.attr("strides", [1] * k)
    ceil = bool(node.attr("ceil_mode", 0))
    if kind == "max":
        fn = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}[k]
        if pads[:k] == pads[k:]:
            return [fn(x, kernel, stride, list(pads[:k]), ceil_mode=ceil)]
        return [fn(_pads_2d(node, x, pads, float("-inf")), kernel, stride, 0, ceil_mode=ceil)]
    fn = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}[k]
    include = bool(node.attr("count_include_pad", 0))
    return [fn(x, kernel, stride, list(pads[:k]), ceil_mode=ceil, count_include_pad=include)]


def gemm(node, t):
    import torch

    a, b = t[0], t[1]
    if node.attr("transA", 0):
        a = a.t()
    if node.attr("transB", 0):
        b = b.t()
    y = node.attr("alpha", 1.0) * torch.matmul(a, b)
    if len(t) > 2:
        y = y + node.attr("beta", 1.0) * t[2]
    return [y]


def reshape(node, t):
    shape = [int(s) for s in node.const(1)]
    x = t[0]
    if not node.attr("allowzero", 0):
        shape = [x.shape[i] if s == 0 else s for i, s in enumerate(shape)]
    return [x.reshape(shape)]


def _axes(node, i, key="axes"):
    c = node.const(i) if len(node.inputs) > i and node.inputs[i] else None
    return [int(a) for a in (c if c is not None else node.attr(key, []))]


def squeeze(node, t):
    axes = _axes(node, 1)
    x = t[0]
    for a in sorted((a % x.dim() for a in axes), reverse=True) if axes else []:
        x = x.squeeze(a)
    return [x if axes else t[0].squeeze()]


def unsqueeze(node, t):
    x = t[0]
    rank = x.dim() + len(_axes(node, 1))
    for a in sorted(a % rank for a in _axes(node, 1)):
        x = x.unsqueeze(a)
    return [x]


def reduce_mean(node, t):
    axes = _axes(node, 1)
    return [t[0].mean(dim=axes or None, keepdim=bool(node.attr("keepdims", 1)))]


def clip(node, t):
    import torch

    lo = node.const(1) if len(node.inputs) > 1 and node.inputs[1] else node.attr("min", None)
    hi = node.const(2) if len(node.inputs) > 2 and node.inputs[2] else node.attr("max", None)
    return [torch.clamp(t[0], None if lo is None else float(lo), None if hi is None else float(hi))]


def pad(node, t):
    pads = [int(p) for p in (node.const(1) if len(node.inputs) > 1 else node.attr("pads"))]
    value = float(node.const(2)) if len(node.inputs) > 2 and node.inputs[2] else 0.0
    rank = t[0].dim()
    return [_pads_2d(node, t[0], pads[:rank] + pads[rank:], value)]


def batchnorm(node, t):
    import torch.nn.functional as F

    return [F.batch_norm(t[0], t[3], t[4], t[1], t[2], False, 0.0, node.attr("epsilon", 1e-5))]


def _f(name):
    def op(node, t):
        import torch
        import torch.nn.functional as F

        return [{"relu": F.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh, "exp": torch.exp, "sqrt": torch.sqrt,
                 "neg": torch.neg, "abs": torch.abs, "identity": lambda x: x}[name](t[0])]
    return op


def _bin(name):
    def op(node, t):
        import torch

        return [{"add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div, "max": torch.maximum,
                 "min": torch.minimum, "matmul": torch.matmul}[name](t[0], t[1])]
    return op


OPS = {
    "Conv": conv, "Gemm": gemm, "MatMul": _bin("matmul"), "Reshape": reshape, "Squeeze": squeeze,
    "Unsqueeze": unsqueeze, "ReduceMean": reduce_mean, "Clip": clip, "Pad": pad, "BatchNormalization": batchnorm,
    "MaxPool": lambda n, t: _pool(n, t, "max"), "AveragePool": lambda n, t: _pool(n, t, "avg"),
    "GlobalAveragePool": lambda n, t: [t[0].mean(dim=tuple(range(2, t[0].dim())), keepdim=True)],
    "GlobalMaxPool": lambda n, t: [t[0].amax(dim=tuple(range(2, t[0].dim())), keepdim=True)],
    "Flatten": lambda n, t: [t[0].reshape(int(np.prod(t[0].shape[:n.attr("axis", 1)])), -1)],
    "Transpose": lambda n, t: [t[0].permute(*(n.attr("perm") or reversed(range(t[0].dim()))))],
    "Concat": lambda n, t: [__import__("torch").cat(t, dim=n.attr("axis"))],
    "Softmax": lambda n, t: [t[0].softmax(dim=n.attr("axis", -1))],
    "LeakyRelu": lambda n, t: [__import__("torch").nn.functional.leaky_relu(t[0], n.attr("alpha", 0.01))],
    "HardSigmoid": lambda n, t: [(t[0] * n.attr("alpha", 0.2) + n.attr("beta", 0.5)).clamp(0, 1)],
    "HardSwish": lambda n, t: [__import__("torch").nn.functional.hardswish(t[0])],
    **{op: _f(op.lower()) for op in ("Relu", "Sigmoid", "Tanh", "Exp", "Sqrt", "Neg", "Abs", "Identity")},
    **{op: _bin(op.lower()) for op in ("Add", "Sub", "Mul", "Div", "Max", "Min")},
}

# (op, input index) that must be a constant: the traced module needs the value, not a tensor
CONSTANT_INPUTS = {("Reshape", 1), ("Squeeze", 1), ("Unsqueeze", 1), ("ReduceMean", 1), ("Clip", 1), ("Clip", 2),
                   ("Pad", 1), ("Pad", 2)}
