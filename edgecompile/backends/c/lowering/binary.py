"""Add/Sub/Mul/Div/Max/Min with broadcasting -> the `binary` IR op: float, or TFLite's int8 Add."""
from __future__ import annotations

import numpy as np

from edgecompile.backends.c import fixedpoint as fx
from edgecompile.backends.c import limits
from edgecompile.backends.c.ir import QConst
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
    """TFLite's int8 Add; an operand may be a per-tensor int8 constant (QConst), stored as int8 data."""
    g = low.g
    names = [n for n in p.inputs if isinstance(n, str)]
    quant = [(float(n.scale[0]), int(n.zp[0])) if isinstance(n, QConst) else (g.tensors[n].scale, g.tensors[n].zp)
             for n in p.inputs]
    first = next((n for n in names if g.tensors[n].shape == tuple(y_shape)), None)  # none: both broadcast
    y = g.tensor(qnode.output[0], y_shape, "int8", g.tensors[first].perm if first else identity(len(y_shape)), s, z)
    operands = [binary_operand(low, n.q if isinstance(n, QConst) else n, y) for n in p.inputs]
    prm = fx.add_params(quant[0][0], quant[1][0], s)
    limits.multiplier_shift(p.node.name or p.node.op_type, [prm["s1"], prm["s2"], prm["so"]])
    op_ = g.add("binary", names, [y.name], p.node.name, dtype="int8", fn="+", consts=[o[1] for o in operands],
                strides=[o[2] for o in operands], dims=pad4(y.stored, 1), q=prm, offs=(-quant[0][1], -quant[1][1]),
                out_zp=z, act=act)
    op_.inplace = isinstance(p.inputs[0], str) and g.tensors[p.inputs[0]].shape == tuple(y_shape) \
        and g.tensors[p.inputs[0]].perm == y.perm
    return y.name
