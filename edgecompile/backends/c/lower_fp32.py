"""Float nodes -> IR ops (fp32 graphs). The attribute helpers here are shared with lower_qdq."""
from __future__ import annotations

import numpy as np

from edgecompile.backends.c.ir import NHWC, identity, logical_strides
from edgecompile.core.graph import attrs_of

UNARY = {"Relu", "Clip", "Sigmoid", "Tanh", "LeakyRelu", "HardSigmoid", "HardSwish", "Elu", "Neg", "Abs", "Exp", "Sqrt"}
BINARY = {"Add": "+", "Sub": "-", "Mul": "*", "Div": "/", "Max": "max", "Min": "min"}
POOLS = {"MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "ReduceMean"}


def conv_geometry(low, node, x_shape, w_shape, y_shape) -> dict:
    a = attrs_of(node)
    if len(x_shape) != 4:
        low.fail(node, "only 2-D convolutions (4-D tensors) are supported")
    kh, kw = w_shape[2], w_shape[3]
    pads = list(a.get("pads", [0, 0, 0, 0]))
    if a.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET"):
        # SAME_*: recover the pads from the inferred output shape
        sh, sw = a.get("strides", [1, 1])
        dh, dw = a.get("dilations", [1, 1])
        ph = max(0, (y_shape[2] - 1) * sh + (kh - 1) * dh + 1 - x_shape[2])
        pw = max(0, (y_shape[3] - 1) * sw + (kw - 1) * dw + 1 - x_shape[3])
        lower_first = a["auto_pad"] in (b"SAME_LOWER", "SAME_LOWER")
        pads = [ph - ph // 2, pw - pw // 2, ph // 2, pw // 2] if lower_first else [ph // 2, pw // 2, ph - ph // 2, pw - pw // 2]
    return {
        "ih": x_shape[2], "iw": x_shape[3], "ic": x_shape[1], "oh": y_shape[2], "ow": y_shape[3], "oc": y_shape[1],
        "kh": kh, "kw": kw, "sh": a.get("strides", [1, 1])[0], "sw": a.get("strides", [1, 1])[1],
        "dh": a.get("dilations", [1, 1])[0], "dw": a.get("dilations", [1, 1])[1], "pt": pads[0], "pl": pads[1],
        "groups": a.get("group", 1),
    }


def pool_geometry(low, node, x_shape, y_shape) -> dict:
    a = attrs_of(node)
    op = node.op_type
    if op == "ReduceMean":
        axes = a.get("axes")
        if axes is None and len(node.input) > 1:
            axes = low.const(node, 1, "axes").tolist()
        if len(x_shape) != 4 or sorted(int(x) % 4 for x in (axes or [])) != [2, 3]:
            low.fail(node, "ReduceMean is supported over the spatial axes (2, 3) of a 4-D tensor")
    if len(x_shape) != 4:
        low.fail(node, "pooling needs a 4-D tensor")
    glob = op in ("GlobalAveragePool", "GlobalMaxPool", "ReduceMean")
    k = [x_shape[2], x_shape[3]] if glob else list(a["kernel_shape"])
    s = [1, 1] if glob else list(a.get("strides", [1, 1]))
    pads = [0, 0, 0, 0] if glob else list(a.get("pads", [0, 0, 0, 0]))
    if not glob and a.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET"):
        ph = max(0, (y_shape[2] - 1) * s[0] + k[0] - x_shape[2])
        pw = max(0, (y_shape[3] - 1) * s[1] + k[1] - x_shape[3])
        pads = [ph // 2, pw // 2, ph - ph // 2, pw - pw // 2]
    if not glob and list(a.get("dilations", [1, 1])) != [1, 1]:
        low.fail(node, "dilated pooling is not supported")
    return {"ih": x_shape[2], "iw": x_shape[3], "c": x_shape[1], "oh": y_shape[2], "ow": y_shape[3],
            "kh": k[0], "kw": k[1], "sh": s[0], "sw": s[1], "pt": pads[0], "pl": pads[1],
            "max": op in ("MaxPool", "GlobalMaxPool"), "count_pad": int(a.get("count_include_pad", 0))}


def broadcast_strides(t_shape, t_lstrides, out) -> list[int]:
    """Strides (in elements) to read an input while walking the output in its storage order."""
    r = len(out.shape)
    shape = [1] * (r - len(t_shape)) + list(t_shape)
    ls = [0] * (r - len(t_shape)) + list(t_lstrides)
    ls = [0 if shape[d] == 1 and out.shape[d] != 1 else ls[d] for d in range(r)]
    return [ls[p] for p in out.perm]


def pad4(dims, fill):
    return [fill] * (4 - len(dims)) + list(dims)


def binary_operand(low, name_or_const, out):
    """(IR tensor name or None, const array or None, strides in out's storage order)."""
    if isinstance(name_or_const, np.ndarray):
        arr = np.ascontiguousarray(name_or_const)
        st = [int(s // arr.itemsize) for s in arr.strides] if arr.ndim else []
        return None, arr, pad4(broadcast_strides(arr.shape, st, out), 0)
    t = low.g.tensors[name_or_const]
    return name_or_const, None, pad4(broadcast_strides(t.shape, logical_strides(t), out), 0)


def lower(low, node):
    g, op = low.g, node.op_type
    vals = [low.values.get(i, (None, None)) if i else (None, None) for i in node.input]
    out_name = node.output[0]
    y_shape = low.shape(out_name)

    def act(i):
        if vals[i][0] != "t":
            low.fail(node, f"input {i} must be a computed tensor")
        return vals[i][1]

    if op == "Conv":
        w = low.const(node, 1, "weight").astype(np.float32)
        b = low.optional_const(node, 2)
        x = g.need(act(0), NHWC)
        geo = conv_geometry(low, node, g.tensors[x].shape, w.shape, y_shape)
        y = g.tensor(out_name, y_shape, "float32", NHWC)
        g.add("conv", [x], [y.name], node.name, dtype="float32", geo=geo, w=np.ascontiguousarray(w.transpose(0, 2, 3, 1)),
              b=(np.zeros(w.shape[0], np.float32) if b is None else b.astype(np.float32)))
    elif op in ("Gemm", "MatMul"):
        a = attrs_of(node)
        w = low.const(node, 1, "weight matrix").astype(np.float32)
        if a.get("transA", 0) or w.ndim != 2 or len(low.shape(node.input[0])) != 2:
            low.fail(node, "only 2-D x @ constant W (no transA) is supported")
        rows = w if a.get("transB", 0) else w.T  # (N, K): one row per output
        rows = rows * np.float32(a.get("alpha", 1.0))
        b = low.optional_const(node, 2) if op == "Gemm" else None
        bias = np.zeros(rows.shape[0], np.float32) if b is None else np.broadcast_to(b.astype(np.float32) * np.float32(a.get("beta", 1.0)), (rows.shape[0],))
        x = g.need(act(0), identity(2))
        y = g.tensor(out_name, y_shape, "float32")
        g.add("dense", [x], [y.name], node.name, dtype="float32", k=rows.shape[1], n=rows.shape[0],
              batch=y_shape[0], w=np.ascontiguousarray(rows), b=np.ascontiguousarray(bias))
    elif op in BINARY:
        operands = [v[1] if v[0] == "t" else low.const(node, i, "operand") for i, v in enumerate(vals)]
        first = next((o for o in operands if isinstance(o, str) and g.tensors[o].shape == y_shape), None)
        perm = g.tensors[first].perm if first else identity(len(y_shape))
        y = g.tensor(out_name, y_shape, "float32", perm)
        ins, consts, strides = [], [], []
        for o in operands:
            name, arr, st = binary_operand(low, o, y)
            if name:
                ins.append(name)
            consts.append(None if arr is None else arr.astype(np.float32))
            strides.append(st)
        op_ = g.add("binary", ins, [y.name], node.name, dtype="float32", fn=BINARY[op], consts=consts,
                    strides=strides, dims=pad4(y.stored, 1))
        op_.inplace = first is not None and consts[0] is None and operands[0] == first
    elif op in UNARY:
        a = attrs_of(node)
        if op == "Clip":
            lo, hi = low.optional_const(node, 1), low.optional_const(node, 2)
            a = {"min": float(lo) if lo is not None else a.get("min", -3.4e38), "max": float(hi) if hi is not None else a.get("max", 3.4e38)}
        x = act(0)
        y = g.like(x, shape=y_shape)
        g.add("unary", [x], [y.name], node.name, dtype="float32", fn=op, params=a).inplace = True
    elif op in POOLS:
        x = g.need(act(0), NHWC)
        geo = pool_geometry(low, node, g.tensors[x].shape, y_shape)
        y = g.tensor(out_name, y_shape, "float32", NHWC)
        g.add("pool", [x], [y.name], node.name, dtype="float32", geo=geo)
    elif op == "Softmax":
        x = act(0)
        r = len(g.tensors[x].shape)
        axis = attrs_of(node).get("axis", -1) % r
        x = g.need(x, tuple(d for d in range(r) if d != axis) + (axis,))
        y = g.like(x)
        t = g.tensors[x]
        g.add("softmax", [x], [y.name], node.name, dtype="float32", depth=t.shape[axis], outer=t.size // t.shape[axis])
    elif op == "Concat":
        lower_concat(low, node, [act(i) for i in range(len(node.input))], y_shape, "float32")
    elif op == "Pad":
        lower_pad(low, node, act(0), y_shape)
    else:
        low.fail(node, "the c backend has no fp32 kernel for this op")
    low.values[out_name] = ("t", g.ops[-1].outputs[0])


def lower_concat(low, node, names, y_shape, dtype, scale=None, zp=None):
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


def lower_pad(low, node, x, y_shape):
    g = low.g
    a = attrs_of(node)
    if a.get("mode", b"constant") not in (b"constant", "constant"):
        low.fail(node, "only constant padding is supported")
    pads = a.get("pads") or low.const(node, 1, "pads").tolist()
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
