"""Pad (constant mode) -> the `pad` IR op, in the tensor's storage order."""
from __future__ import annotations

import numpy as np

from edgecompile.backends.c.ir import pad4
from edgecompile.backends.c.lowering.common import attrs_of, computed


def fp32(low, node, y_shape) -> str:
    g = low.g
    x = computed(low, node, 0)
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
    y = g.tensor(node.output[0], y_shape, t.dtype, t.perm, t.scale, t.zp)
    before = pad4([pads[p] for p in t.perm], 0)
    fill = float(value) if value is not None else 0.0
    if t.dtype == "int8":
        fill = int(np.clip(np.round(fill / t.scale) + t.zp, -128, 127))
    g.add("pad", [x], [y.name], node.name, dtype=t.dtype, idims=pad4(t.stored, 1), odims=pad4(y.stored, 1),
          before=before, fill=fill)
    return y.name
