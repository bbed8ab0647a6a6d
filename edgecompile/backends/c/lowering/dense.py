"""Gemm / MatMul against a constant matrix -> the `dense` IR op (one weight row per output):
float, or int8 as TFLite's FullyConnected."""
from __future__ import annotations

import numpy as np

from edgecompile.backends.c import fixedpoint as fx
from edgecompile.backends.c import limits
from edgecompile.backends.c.ir import QConst
from edgecompile.backends.c.ir import identity
from edgecompile.backends.c.lowering.common import computed
from edgecompile.backends.c.lowering.quant import bias_int32
from edgecompile.core.graph import attrs_of


def fp32(low, node, y_shape) -> str:
    g = low.g
    a = attrs_of(node)
    w = low.const(node, 1, "weight matrix").astype(np.float32)
    if a.get("transA", 0) or w.ndim != 2 or len(low.shape(node.input[0])) != 2:
        low.fail(node, "only 2-D x @ constant W (no transA) is supported")
    rows = w if a.get("transB", 0) else w.T  # (N, K): one row per output
    rows = rows * np.float32(a.get("alpha", 1.0))
    b = low.optional_const(node, 2) if node.op_type == "Gemm" else None
    bias = (np.zeros(rows.shape[0], np.float32) if b is None
            else np.broadcast_to(b.astype(np.float32) * np.float32(a.get("beta", 1.0)), (rows.shape[0],)))
    x = g.need(computed(low, node, 0), identity(2))
    y = g.tensor(node.output[0], y_shape, "float32")
    g.add("dense", [x], [y.name], node.name, dtype="float32", k=rows.shape[1], n=rows.shape[0],
          batch=y_shape[0], w=np.ascontiguousarray(rows), b=np.ascontiguousarray(bias))
    return y.name


def int8(low, p, qnode, y_shape, s, z, act) -> str:
    g, node = low.g, p.node
    a = attrs_of(node)
    x = g.need(p.inputs[0], identity(2))
    xt = g.tensors[x]
    w = low.values[node.input[1]][1]
    if not isinstance(w, QConst) or w.q.dtype != np.int8 or np.any(w.zp != 0) or w.q.ndim != 2 or a.get("transA", 0):
        low.fail(node, "int8 MatMul/Gemm needs x @ symmetric int8 W (zero point 0)")
    if len(xt.shape) != 2:
        low.fail(node, "int8 MatMul/Gemm needs a 2-D input")
    trans = a.get("transB", 0) if node.op_type == "Gemm" else 0
    rows = w.q if trans else w.q.T
    n = rows.shape[0]
    w_axis_is_n = (w.axis % 2 == (0 if trans else 1))
    ws = np.broadcast_to(w.scale if (w.scale.size == 1 or w_axis_is_n) else w.scale[:1], (n,))
    alpha, beta = (float(a.get("alpha", 1.0)), float(a.get("beta", 1.0))) if node.op_type == "Gemm" else (1.0, 1.0)
    if node.op_type == "Gemm" and len(node.input) > 2:
        p.bias = low.values[node.input[2]][1]
    if (alpha, beta) != (1.0, 1.0):  # Gemm's alpha scales the weights' real values, beta the bias
        ws = ws.astype(np.float64) * alpha
        if p.bias is not None:
            p.bias = (p.bias.real() if isinstance(p.bias, QConst) else np.asarray(p.bias, np.float32)) * np.float32(beta)
    bias = bias_int32(low, node, p.bias, xt.scale, ws, n)
    mult, shift = zip(*[fx.conv_multiplier(xt.scale, ws[c], s) for c in range(n)])
    where = node.name or node.op_type
    limits.multiplier_shift(where, shift)
    limits.accumulator(where, rows.shape[1], bias)
    y = g.tensor(qnode.output[0], y_shape, "int8", identity(2), s, z)
    g.add("dense", [x], [y.name], node.name, dtype="int8", k=rows.shape[1], n=n, batch=y_shape[0],
          w=np.ascontiguousarray(rows), b=bias, mult=np.array(mult, np.int32), shift=np.array(shift, np.int32),
          in_off=-xt.zp, out_zp=z, act=act)
    return y.name
