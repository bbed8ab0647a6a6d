"""Element-wise activations -> `unary` (float) or a 256-entry table (int8, lowering/lut.py)."""
from __future__ import annotations

from edgecompile.backends.c.lowering.common import computed
from edgecompile.backends.c.lowering.lut import lut
from edgecompile.core.graph import attrs_of


def fp32(low, node, y_shape) -> str:
    g = low.g
    a = attrs_of(node)
    if node.op_type == "Clip":
        lo, hi = low.optional_const(node, 1), low.optional_const(node, 2)
        a = {"min": float(lo) if lo is not None else a.get("min", -3.4e38),
             "max": float(hi) if hi is not None else a.get("max", 3.4e38)}
    x = computed(low, node, 0)
    y = g.like(x, shape=y_shape)
    g.add("unary", [x], [y.name], node.name, dtype="float32", fn=node.op_type, params=a).inplace = True
    return y.name


def int8(low, p, qnode, y_shape, s, z, act) -> str:
    return lut(low, p, p.inputs[0], y_shape, s, z)
