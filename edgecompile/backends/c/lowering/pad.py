"""Pad (constant mode) -> the `pad` IR op, in the tensor's storage order (float or int8)."""
from __future__ import annotations

import numpy as np

from edgecompile.backends.c.ir import pad4
from edgecompile.backends.c.lowering.common import Pending, computed, same_quant
from edgecompile.backends.c.lowering.lut import lut
from edgecompile.core.graph import attrs_of


def fp32(low, node, y_shape) -> str:
    return _pad(low, node, computed(low, node, 0), y_shape, node.output[0])


def int8(low, p, qnode, y_shape, s, z, act) -> str:
    """The int8 input requantized to the output's numbers first (with any fused Relu/Clip) when they differ,
    then padded with the quantized (and clamped) fill value."""
    x = p.inputs[0]
    t = low.g.tensors[x]
    if not same_quant(t, s, z) or p.act != (None,):
        x = lut(low, Pending("unary", p.node, [x], act=p.act), x, t.shape, s, z)
    return _pad(low, p.node, x, y_shape, qnode.output[0], clamp=act)


def _pad(low, node, x, y_shape, out, clamp=(-128, 127)) -> str:
    g = low.g
    a = attrs_of(node)
    if a.get("mode", b"constant") not in (b"constant", "constant"):
        low.fail(node, "only constant padding is supported")
    pads = a.get("pads") or low.const(node, 1, "pads").tolist()
    if len(node.input) > 3 and node.input[3]:
        low.fail(node, "padding selected axes is not supported")
    value = low.optional_const(node, 2)
    t = g.tensors[x]
    r = len(t.shape)
    if len(pads) != 2 * r or r > 4 or any(p < 0 for p in pads):
        low.fail(node, "pads must be non-negative, one pair per axis, rank <= 4")
    y = g.tensor(out, y_shape, t.dtype, t.perm, t.scale, t.zp)
    before = pad4([pads[p] for p in t.perm], 0)
    fill = float(value) if value is not None else 0.0
    if t.dtype == "int8":
        fill = int(np.clip(np.round(np.float32(fill) / np.float32(t.scale)) + t.zp, *clamp))
    g.add("pad", [x], [y.name], node.name, dtype=t.dtype, idims=pad4(t.stored, 1), odims=pad4(y.stored, 1),
          before=before, fill=fill)
    return y.name
