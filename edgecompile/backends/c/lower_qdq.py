"""QDQ graphs -> integer kernels. DequantizeLinear -> float op(s) -> QuantizeLinear becomes one kernel.

Arithmetic follows TFLite's reference kernels: int32 accumulation, int32 bias, per-channel
fixed-point requantization (SaturatingRoundingDoublingHighMul + RoundingDivideByPOT), fused
Relu/Clip as a clamp. Element-wise float ops between a DequantizeLinear and a QuantizeLinear
that have no integer kernel of their own (Sigmoid, Tanh, HardSwish, a Relu after a Q/DQ pair,
requantization) become a 256-entry table computed here in float32 exactly as ONNX Runtime does.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from edgecompile.backends.c import fixedpoint as fx
from edgecompile.backends.c.ir import NHWC, identity
from edgecompile.backends.c.ir import QConst
from edgecompile.core.graph import attrs_of
from edgecompile.backends.c.lower_fp32 import (BINARY, POOLS, UNARY, binary_operand, conv_geometry, lower_concat,
                                               pad4, pool_geometry)


@dataclass
class Pending:
    kind: str  # conv, dense, add, pool, softmax, unary, concat
    node: object
    inputs: list[str]  # int8 IR tensors (the DequantizeLinear sources)
    act: tuple = (None,)  # ("relu",) or ("clip", lo, hi) fused before the QuantizeLinear
    bias: object = None  # MatMul + Add(bias)
    chain: list = field(default_factory=list)  # extra float element-wise nodes (LUT path)


def lower(low, node):
    op = node.op_type
    vals = [low.values.get(i, (None, None)) if i else (None, None) for i in node.input]
    out = node.output[0]
    if op == "DequantizeLinear":
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
        return
    if op == "QuantizeLinear":
        if out in low.values:  # a graph input the caller quantizes (see Lowering.inputs)
            return
        s, z = low._qparams(node)
        kind, v = vals[0]
        if kind == "pending":
            low.values[out] = ("t", materialize(low, v, node, s, z))
        elif kind == "dq" and _same(low.g.tensors[v], s, z):  # Q(DQ(x)) with the same numbers: x itself
            low.values[out] = ("t", v)
        elif kind == "t" and low.g.tensors[v].dtype == "int8" and _same(low.g.tensors[v], s, z):
            low.values[out] = ("t", v)  # a caller-quantized graph input seen through layout ops (Lowering.inputs)
        elif kind == "dq":  # requantize
            p = Pending("unary", node, [v])
            low.values[out] = ("t", materialize(low, p, node, s, z))
        else:
            low.fail(node, "quantizes a value that no integer kernel produces")
        return
    if op in ("Relu", "Clip") and vals[0][0] == "pending" and vals[0][1].act == (None,) and not vals[0][1].chain:
        p = vals[0][1]
        if op == "Relu":
            p.act = ("relu",)
        else:
            lo, hi = low.optional_const(node, 1), low.optional_const(node, 2)
            a = attrs_of(node)
            p.act = ("clip", float(lo) if lo is not None else a.get("min"), float(hi) if hi is not None else a.get("max"))
        low.values[out] = ("pending", p)
        return
    if op == "Add" and vals[0][0] == "pending" and vals[0][1].kind == "dense" and vals[1][0] == "const" and vals[0][1].bias is None:
        vals[0][1].bias = vals[1][1]
        low.values[out] = ("pending", vals[0][1])
        return
    if op in UNARY:
        if vals[0][0] == "dq":
            low.values[out] = ("pending", Pending("unary", node, [vals[0][1]], chain=[node]))
        elif vals[0][0] == "pending" and vals[0][1].kind == "unary":
            vals[0][1].chain.append(node)
            low.values[out] = ("pending", vals[0][1])
        else:
            low.fail(node, "element-wise op on a value that is not dequantized int8")
        return
    kinds = {"Conv": "conv", "Gemm": "dense", "MatMul": "dense", "Add": "add", "Softmax": "softmax", "Concat": "concat"}
    kind = "pool" if op in POOLS else kinds.get(op)
    if kind is None:
        low.fail(node, "the c backend has no int8 kernel for this op")
    acts = [v[1] for v in vals if v[0] == "dq"]
    if kind in ("conv", "dense", "pool", "softmax") and (vals[0][0] != "dq"):
        low.fail(node, "its input must come from a DequantizeLinear")
    if kind == "add" and len(acts) != 2:
        low.fail(node, "int8 Add needs two dequantized int8 inputs")
    if kind == "concat" and len(acts) != len(vals):
        low.fail(node, "int8 Concat needs all inputs dequantized int8")
    low.values[out] = ("pending", Pending(kind, node, acts))


def materialize(low, p: Pending, qnode, s: float, z: int) -> str:
    """Emit the integer kernel for a pending float computation closed by QuantizeLinear(s, z)."""
    g, node = low.g, p.node
    y_shape = low.shape(qnode.output[0])
    amin, amax = fx.activation_range(p.act[0], s, z, *(p.act[1:] if p.act[0] == "clip" else ()))
    if p.kind == "conv":
        x = g.need(p.inputs[0], NHWC)
        xt = g.tensors[x]
        w = low.values[node.input[1]][1]
        if not isinstance(w, QConst) or w.q.dtype != np.int8 or np.any(w.zp != 0):
            low.fail(node, "int8 Conv needs symmetric int8 weights (zero point 0) behind a DequantizeLinear")
        oc = w.q.shape[0]
        ws = np.broadcast_to(w.scale, (oc,))
        bias = _bias(low, node, 2, xt.scale, ws, oc)
        geo = conv_geometry(low, node, xt.shape, w.q.shape, y_shape)
        mult, shift = zip(*[fx.conv_multiplier(xt.scale, ws[c], s) for c in range(oc)])
        y = g.tensor(qnode.output[0], y_shape, "int8", NHWC, s, z)
        g.add("conv", [x], [y.name], node.name, dtype="int8", geo=geo, w=np.ascontiguousarray(w.q.transpose(0, 2, 3, 1)),
              b=bias, mult=np.array(mult, np.int32), shift=np.array(shift, np.int32), in_off=-xt.zp, out_zp=z,
              act=(amin, amax))
    elif p.kind == "dense":
        a = attrs_of(node)
        x = g.need(p.inputs[0], identity(2))
        xt = g.tensors[x]
        w = low.values[node.input[1]][1]
        if not isinstance(w, QConst) or w.q.dtype != np.int8 or np.any(w.zp != 0) or w.q.ndim != 2 or a.get("transA", 0):
            low.fail(node, "int8 MatMul/Gemm needs x @ symmetric int8 W (zero point 0)")
        trans = a.get("transB", 0) if node.op_type == "Gemm" else 0
        rows = w.q if trans else w.q.T
        n = rows.shape[0]
        w_axis_is_n = (w.axis % 2 == (0 if trans else 1))
        ws = np.broadcast_to(w.scale if (w.scale.size == 1 or w_axis_is_n) else w.scale[:1], (n,))
        if node.op_type == "Gemm" and len(node.input) > 2:
            p.bias = low.values[node.input[2]][1]
        bias = _bias_value(low, node, p.bias, xt.scale, ws, n)
        mult, shift = zip(*[fx.conv_multiplier(xt.scale, ws[c], s) for c in range(n)])
        y = g.tensor(qnode.output[0], y_shape, "int8", identity(2), s, z)
        g.add("dense", [x], [y.name], node.name, dtype="int8", k=rows.shape[1], n=n, batch=y_shape[0],
              w=np.ascontiguousarray(rows), b=bias, mult=np.array(mult, np.int32), shift=np.array(shift, np.int32),
              in_off=-xt.zp, out_zp=z, act=(amin, amax))
    elif p.kind == "add":
        a_t, b_t = (g.tensors[n] for n in p.inputs)
        first = p.inputs[0] if a_t.shape == tuple(y_shape) else p.inputs[1]
        y = g.tensor(qnode.output[0], y_shape, "int8", g.tensors[first].perm, s, z)
        strides = [binary_operand(low, n, y)[2] for n in p.inputs]
        prm = fx.add_params(a_t.scale, b_t.scale, s)
        op_ = g.add("binary", list(p.inputs), [y.name], node.name, dtype="int8", fn="+", consts=[None, None],
                    strides=strides, dims=pad4(y.stored, 1), q=prm, offs=(-a_t.zp, -b_t.zp), out_zp=z, act=(amin, amax))
        op_.inplace = a_t.shape == tuple(y_shape) and a_t.perm == y.perm
    elif p.kind == "pool":
        x = g.need(p.inputs[0], NHWC)
        xt = g.tensors[x]
        geo = pool_geometry(low, node, xt.shape, y_shape)
        y = g.tensor(qnode.output[0], y_shape, "int8", NHWC, s, z)
        same = abs(xt.scale - s) <= 1e-7 * s and xt.zp == z
        count = geo["kh"] * geo["kw"]
        req = None if same else fx.quantize_multiplier(xt.scale / (s * (1 if geo["max"] else count)))
        if req is not None and not geo["max"] and (geo["pt"] or geo["pl"]):
            low.fail(node, "int8 average pooling with padding needs equal input and output quantization")
        g.add("pool", [x], [y.name], node.name, dtype="int8", geo=geo, act=(amin, amax), req=req,
              in_zp=xt.zp, out_zp=z)
    elif p.kind == "softmax":
        x = p.inputs[0]
        r = len(g.tensors[x].shape)
        axis = attrs_of(node).get("axis", -1) % r
        x = g.need(x, tuple(d for d in range(r) if d != axis) + (axis,))
        xt = g.tensors[x]
        if abs(s - 1.0 / 256) > 1e-9 or z != -128:
            low.fail(node, "int8 Softmax needs output scale 1/256 and zero point -128 (TFLite's convention)")
        mult, left, diff_min = fx.softmax_params(xt.scale)
        y = g.tensor(qnode.output[0], y_shape, "int8", xt.perm, s, z)
        g.add("softmax", [x], [y.name], node.name, dtype="int8", depth=xt.shape[axis], outer=xt.size // xt.shape[axis],
              mult=mult, left=left, diff_min=diff_min)
    elif p.kind == "concat":
        parts = []
        for n in p.inputs:
            t = g.tensors[n]
            if abs(t.scale - s) > 1e-7 * s or t.zp != z:
                n = _lut(low, Pending("unary", qnode, [n]), n, t.shape, s, z)
            parts.append(n)
        return lower_concat(low, node, parts, y_shape, "int8", s, z)
    elif p.kind == "unary":
        return _lut(low, p, p.inputs[0], y_shape, s, z)
    return g.ops[-1].outputs[0]


def _lut(low, p, x, y_shape, s, z) -> str:
    """Q(f(DQ(q))) for all 256 q, in float32 like ONNX Runtime (round half to even, saturate)."""
    import onnx
    import onnxruntime as ort
    from onnx import TensorProto, helper

    g = low.g
    xt = g.tensors[x]
    q = np.arange(-128, 128, dtype=np.int8).reshape(1, 256)
    nodes = [helper.make_node("DequantizeLinear", ["q", "s_in", "z_in"], ["f0"])]
    prev = "f0"
    inits = [helper.make_tensor("s_in", TensorProto.FLOAT, [], [xt.scale]),
             helper.make_tensor("z_in", TensorProto.INT8, [], [xt.zp]),
             helper.make_tensor("s_out", TensorProto.FLOAT, [], [s]),
             helper.make_tensor("z_out", TensorProto.INT8, [], [z])]
    for i, n in enumerate(p.chain):
        ins = [prev] + [f"c{i}_{j}" for j in range(1, len(n.input)) if n.input[j]]
        for j in range(1, len(n.input)):
            if n.input[j]:
                inits.append(onnx.numpy_helper.from_array(np.asarray(low.const(n, j, "parameter"), np.float32), f"c{i}_{j}"))
        node = helper.make_node(n.op_type, ins, [f"f{i + 1}"], **attrs_of(n))
        nodes.append(node)
        prev = f"f{i + 1}"
    if p.act[0] is not None:
        lo, hi = (0.0, None) if p.act[0] == "relu" else p.act[1:]
        nodes.append(helper.make_node("Clip", [prev, "lo", "hi"], ["fa"]))
        inits += [helper.make_tensor("lo", TensorProto.FLOAT, [], [-3.4e38 if lo is None else lo]),
                  helper.make_tensor("hi", TensorProto.FLOAT, [], [3.4e38 if hi is None else hi])]
        prev = "fa"
    nodes.append(helper.make_node("QuantizeLinear", [prev, "s_out", "z_out"], ["y"]))
    graph = helper.make_graph(nodes, "lut", [helper.make_tensor_value_info("q", TensorProto.INT8, [1, 256])],
                              [helper.make_tensor_value_info("y", TensorProto.INT8, [1, 256])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    table = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, {"q": q})[0]
    y = g.tensor(p.node.output[0], y_shape, "int8", xt.perm, s, z)
    g.add("lut", [x], [y.name], p.node.name, table=table.ravel().astype(np.int8)).inplace = True
    return y.name


def _same(t, s, z) -> bool:
    return t.scale is not None and abs(t.scale - s) <= 1e-7 * s and t.zp == z


def _bias(low, node, i, in_scale, ws, n):
    v = low.values.get(node.input[i])[1] if i < len(node.input) and node.input[i] else None
    return _bias_value(low, node, v, in_scale, ws, n)


def _bias_value(low, node, v, in_scale, ws, n) -> np.ndarray:
    """int32 bias in accumulator units (input scale x weight scale), as TFLite stores it."""
    if v is None:
        return np.zeros(n, np.int32)
    if isinstance(v, QConst) and v.q.dtype == np.int32:
        return np.broadcast_to(v.q.astype(np.int32).ravel(), (n,)).copy()
    real = v.real() if isinstance(v, QConst) else np.asarray(v, np.float32)
    real = np.broadcast_to(real.ravel(), (n,))
    return np.round(real.astype(np.float64) / (float(in_scale) * ws.astype(np.float64))).astype(np.int32)
