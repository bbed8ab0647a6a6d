"""QDQ graphs -> integer kernels. DequantizeLinear -> float op(s) -> QuantizeLinear becomes one kernel.

Arithmetic follows TFLite's reference kernels: int32 accumulation, int32 bias, per-channel
fixed-point requantization (SaturatingRoundingDoublingHighMul + RoundingDivideByPOT), fused
Relu/Clip as a clamp. Element-wise float ops between a DequantizeLinear and a QuantizeLinear
that have no integer kernel of their own (Sigmoid, Tanh, HardSwish, a Relu after a Q/DQ pair,
requantization) become a 256-entry table (lowering/lut.py). Which family emits a closed
computation's kernel: the registry (lowering/__init__.py).
"""
from __future__ import annotations

import numpy as np

from edgecompile.backends.c import fixedpoint as fx
from edgecompile.backends.c import lowering
from edgecompile.backends.c.ir import QConst
from edgecompile.backends.c.lowering.common import Pending, same_quant
from edgecompile.core.graph import attrs_of

KINDS = {"Conv": "conv", "Gemm": "dense", "MatMul": "dense", "Add": "add", "Softmax": "softmax", "Concat": "concat",
         "Pad": "pad",
         **{op: "pool" for op in lowering.POOLS}}


def _dequantize(low, node, vals):
    out = node.output[0]
    if vals[0][0] == "const":
        s = np.asarray(low.values[node.input[1]][1], dtype=np.float32).ravel()
        z = (np.asarray(low.values[node.input[2]][1]).ravel() if len(node.input) > 2 and node.input[2]
             else np.zeros(1, vals[0][1].dtype))
        low.values[out] = ("const", QConst(np.asarray(vals[0][1]), s, z, attrs_of(node).get("axis", 1)))
    elif vals[0][0] == "t":
        t = low.g.tensors[vals[0][1]]
        s, z = low._qparams(node)
        if t.scale is None or (abs(t.scale - s) > 1e-12 * s or t.zp != z):
            t.scale, t.zp = s, z  # graph inputs learn their quantization from the first reader
        low.values[out] = ("dq", t.name)
    else:
        low.fail(node, "dequantizes something that is not an int8 tensor")


def _quantize(low, node, vals):
    out = node.output[0]
    if out in low.values:  # a graph input the caller quantizes (see Lowering.inputs)
        return
    s, z = low._qparams(node)
    kind, v = vals[0]
    if kind == "pending":
        low.values[out] = ("t", materialize(low, v, node, s, z))
    elif kind in ("dq", "t") and low.g.tensors[v].dtype == "int8" and same_quant(low.g.tensors[v], s, z):
        low.values[out] = ("t", v)  # Q(DQ(x)) with the same numbers, or a caller-quantized input seen through views
    elif kind == "dq":  # requantize
        low.values[out] = ("t", materialize(low, Pending("unary", node, [v]), node, s, z))
    else:
        low.fail(node, "quantizes a value that no integer kernel produces")


def _fuse(low, node, vals) -> bool:
    """A Relu/Clip after a kernel, or a bias Add after a MatMul, joins the pending computation."""
    op, out = node.op_type, node.output[0]
    p = vals[0][1] if vals and vals[0][0] == "pending" else None
    if p is None:
        return False
    if op in ("Relu", "Clip") and p.act == (None,) and not p.chain:
        if op == "Relu":
            p.act = ("relu",)
        else:
            lo, hi = low.optional_const(node, 1), low.optional_const(node, 2)
            a = attrs_of(node)
            p.act = ("clip", float(lo) if lo is not None else a.get("min"), float(hi) if hi is not None else a.get("max"))
    elif op == "Add" and p.kind == "dense" and vals[1][0] == "const" and p.bias is None:
        p.bias = vals[1][1]
    elif op in lowering.UNARY and p.kind == "unary":
        p.chain.append(node)
    else:
        return False
    low.values[out] = ("pending", p)
    return True


def _int8_tensor_const(v) -> bool:
    return isinstance(v, QConst) and v.q.dtype == np.int8 and v.scale.size == 1 and v.zp.size == 1


def lower(low, node):
    op = node.op_type
    vals = [low.values.get(i, (None, None)) if i else (None, None) for i in node.input]
    if op == "DequantizeLinear":
        return _dequantize(low, node, vals)
    if op == "QuantizeLinear":
        return _quantize(low, node, vals)
    if _fuse(low, node, vals):
        return None
    if op in lowering.UNARY:
        if vals[0][0] != "dq":
            low.fail(node, "element-wise op on a value that is not dequantized int8")
        low.values[node.output[0]] = ("pending", Pending("unary", node, [vals[0][1]], chain=[node]))
        return None
    kind = KINDS.get(op)
    if kind is None:
        low.fail(node, "the c backend has no int8 kernel for this op")
    acts = [v[1] for v in vals if v[0] == "dq"]
    if kind in ("conv", "dense", "pool", "softmax", "pad") and (vals[0][0] != "dq"):
        low.fail(node, "its input must come from a DequantizeLinear")
    if kind == "add":
        acts = [v[1] for v in vals if v[0] == "dq" or (v[0] == "const" and _int8_tensor_const(v[1]))]
        if len(acts) != 2 or not any(v[0] == "dq" for v in vals):
            low.fail(node, "int8 Add needs dequantized int8 inputs (one may be a per-tensor int8 constant)")
    if kind == "concat" and len(acts) != len(vals):
        low.fail(node, "int8 Concat needs all inputs dequantized int8")
    low.values[node.output[0]] = ("pending", Pending(kind, node, acts))
    return None


def materialize(low, p: Pending, qnode, s: float, z: int) -> str:
    """Emit the integer kernel for a pending float computation closed by QuantizeLinear(s, z)."""
    y_shape = low.shape(qnode.output[0])
    act = fx.activation_range(p.act[0], s, z, *(p.act[1:] if p.act[0] == "clip" else ()))
    return lowering.int8(p.kind)(low, p, qnode, y_shape, s, z, act)
