"""Conv -> the `conv` IR op (NHWC data, OHWI weights): float, or int8 with TFLite's per-channel
requantization (symmetric int8 weights, int32 bias, fused Relu/Clip as a clamp)."""
from __future__ import annotations

import numpy as np

from edgecompile.backends.c import fixedpoint as fx
from edgecompile.backends.c import limits
from edgecompile.backends.c.ir import NHWC
from edgecompile.backends.c.ir import QConst
from edgecompile.backends.c.lowering.common import computed
from edgecompile.backends.c.lowering.quant import bias_int32
from edgecompile.core.graph import attrs_of

GEO_KEYS = ("ih", "iw", "ic", "oh", "ow", "oc", "kh", "kw", "sh", "sw", "dh", "dw", "pt", "pl", "groups")


def _same_pads(a, x_shape, y_shape, kh, kw) -> list:
    """SAME_*: the pads recovered from the inferred output shape."""
    sh, sw = a.get("strides", [1, 1])
    dh, dw = a.get("dilations", [1, 1])
    ph = max(0, (y_shape[2] - 1) * sh + (kh - 1) * dh + 1 - x_shape[2])
    pw = max(0, (y_shape[3] - 1) * sw + (kw - 1) * dw + 1 - x_shape[3])
    if a["auto_pad"] in (b"SAME_LOWER", "SAME_LOWER"):
        return [ph - ph // 2, pw - pw // 2, ph // 2, pw // 2]
    return [ph // 2, pw // 2, ph - ph // 2, pw - pw // 2]


def conv_geometry(low, node, x_shape, w_shape, y_shape) -> dict:
    a = attrs_of(node)
    if len(x_shape) != 4:
        low.fail(node, "only 2-D convolutions (4-D tensors) are supported")
    kh, kw = w_shape[2], w_shape[3]
    pads = list(a.get("pads", [0, 0, 0, 0]))
    if a.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET"):
        pads = _same_pads(a, x_shape, y_shape, kh, kw)
    geo = {
        "ih": x_shape[2], "iw": x_shape[3], "ic": x_shape[1], "oh": y_shape[2], "ow": y_shape[3], "oc": y_shape[1],
        "kh": kh, "kw": kw, "sh": a.get("strides", [1, 1])[0], "sw": a.get("strides", [1, 1])[1],
        "dh": a.get("dilations", [1, 1])[0], "dw": a.get("dilations", [1, 1])[1], "pt": pads[0], "pl": pads[1],
        "groups": a.get("group", 1),
    }
    limits.fit(node.name or node.op_type, "geometry", geo, "int16_t")  # ec_conv_geo's fields
    return geo


def fp32(low, node, y_shape) -> str:
    g = low.g
    w = low.const(node, 1, "weight").astype(np.float32)
    b = low.optional_const(node, 2)
    x = g.need(computed(low, node, 0), NHWC)
    geo = conv_geometry(low, node, g.tensors[x].shape, w.shape, y_shape)
    y = g.tensor(node.output[0], y_shape, "float32", NHWC)
    g.add("conv", [x], [y.name], node.name, dtype="float32", geo=geo, w=np.ascontiguousarray(w.transpose(0, 2, 3, 1)),
          b=(np.zeros(w.shape[0], np.float32) if b is None else b.astype(np.float32)))
    return y.name


def int8(low, p, qnode, y_shape, s, z, act) -> str:
    g, node = low.g, p.node
    x = g.need(p.inputs[0], NHWC)
    xt = g.tensors[x]
    w = low.values[node.input[1]][1]
    if not isinstance(w, QConst) or w.q.dtype != np.int8 or np.any(w.zp != 0):
        low.fail(node, "int8 Conv needs symmetric int8 weights (zero point 0) behind a DequantizeLinear")
    oc = w.q.shape[0]
    ws = np.broadcast_to(w.scale, (oc,))
    v = low.values.get(node.input[2])[1] if len(node.input) > 2 and node.input[2] else None
    bias = bias_int32(low, node, v, xt.scale, ws, oc)
    geo = conv_geometry(low, node, xt.shape, w.q.shape, y_shape)
    mult, shift = zip(*[fx.conv_multiplier(xt.scale, ws[c], s) for c in range(oc)])
    where = node.name or node.op_type
    limits.multiplier_shift(where, shift)
    limits.accumulator(where, geo["kh"] * geo["kw"] * (geo["ic"] // geo["groups"]), bias)
    y = g.tensor(qnode.output[0], y_shape, "int8", NHWC, s, z)
    g.add("conv", [x], [y.name], node.name, dtype="int8", geo=geo, w=np.ascontiguousarray(w.q.transpose(0, 2, 3, 1)),
          b=bias, mult=np.array(mult, np.int32), shift=np.array(shift, np.int32), in_off=-xt.zp, out_zp=z, act=act)
    return y.name
