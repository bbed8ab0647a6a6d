"""Add/Sub/Mul/Div/Max/Min with broadcasting -> the `binary` IR op: float, or TFLite's int8 Add."""
from __future__ import annotations

import numpy as np

from edgecompile.backends.c import fixedpoint as fx
from edgecompile.backends.c import limits
from edgecompile.backends.c.ir import identity, pad4
from edgecompile.backends.c.lowering import BINARY
from edgecompile.backends.c.lowering.common import binary_operand


def fp32(low, node, y_shape) -> str:
    g = low.g
    vals = [low.values.get(i, (None, None)) for i in node.input]
    operands = [v[1] if v[0] == "t" else low.const(node, i, "operand") for i, v in enumerate(vals)]
    first = next((o for o in operands if isinstance(o, str) and g.tensors[o].shape == y_shape), None)
    perm = g.tensors[first].perm if first else identity(len(y_shape))
    y = g.tensor(node.output[0], y_shape, "float32", perm)
    ins, consts, strides = [], [], []
    for o in operands:
        name, arr, st = binary_operand(low, o, y)
        if name:
            ins.append(name)
        consts.append(None if arr is None else arr.astype(np.float32))
        strides.append(st)
    op_ = g.add("binary", ins, [y.name], node.name, dtype="float32", fn=BINARY[node.op_type], consts=consts,
                strides=strides, dims=pad4(y.stored, 1))
    op_.inplace = first is not None and consts[0] is None and operands[0] == first
    return y.name


def int8(low, p, qnode, y_shape, s, z, act) -> str:
    g = low.g
    a_t, b_t = (g.tensors[n] for n in p.inputs)
    first = p.inputs[0] if a_t.shape == tuple(y_shape) else p.inputs[1]
    y = g.tensor(qnode.output[0], y_shape, "int8", g.tensors[first].perm, s, z)
    strides = [binary_operand(low, n, y)[2] for n in p.inputs]
    prm = fx.add_params(a_t.scale, b_t.scale, s)
    limits.multiplier_shift(p.node.name or p.node.op_type, [prm["s1"], prm["s2"], prm["so"]])
    op_ = g.add("binary", list(p.inputs), [y.name], p.node.name, dtype="int8", fn="+", consts=[None, None],
                strides=strides, dims=pad4(y.stored, 1), q=prm, offs=(-a_t.zp, -b_t.zp), out_zp=z, act=act)
    op_.inplace = a_t.shape == tuple(y_shape) and a_t.perm == y.perm
    return y.name
