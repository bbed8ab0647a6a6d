"""Concat along any axis -> the `concat` IR op (int8 inputs with other numbers are requantized first)."""
from __future__ import annotations

import numpy as np

from edgecompile.backends.c.lowering.common import Pending, computed, same_quant
from edgecompile.backends.c.lowering.lut import lut
from edgecompile.core.graph import attrs_of


def concat(low, node, names, y_shape, dtype, scale=None, zp=None) -> str:
    g = low.g
    r = len(y_shape)
    axis = attrs_of(node)["axis"] % r
    perm = g.tensors[names[0]].perm
    names = [g.need(n, perm) for n in names]
    y = g.tensor(node.output[0], y_shape, dtype, perm, scale, zp)
    k = perm.index(axis)
    outer = int(np.prod(y.stored[:k], dtype=np.int64))
    inner = [int(np.prod(g.tensors[n].stored[k:], dtype=np.int64)) for n in names]
    g.add("concat", names, [y.name], node.name, dtype=dtype, outer=outer, inner=inner)
    return y.name


def fp32(low, node, y_shape) -> str:
    return concat(low, node, [computed(low, node, i) for i in range(len(node.input))], y_shape, "float32")


def int8(low, p, qnode, y_shape, s, z, act) -> str:
    parts = []
    for n in p.inputs:
        t = low.g.tensors[n]
        if not same_quant(t, s, z):
            n = lut(low, Pending("unary", qnode, [n]), n, t.shape, s, z)
        parts.append(n)
    return concat(low, p.node, parts, y_shape, "int8", s, z)
