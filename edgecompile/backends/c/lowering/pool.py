"""MaxPool/AveragePool/GlobalAveragePool/GlobalMaxPool/spatial ReduceMean -> the `pool` IR op (NHWC)."""
from __future__ import annotations

from edgecompile.backends.c import fixedpoint as fx
from edgecompile.backends.c import limits
from edgecompile.backends.c.ir import NHWC
from edgecompile.backends.c.lowering.common import computed
from edgecompile.core.graph import attrs_of

GLOBAL = ("GlobalAveragePool", "GlobalMaxPool", "ReduceMean")


def _reduce_axes_ok(low, node, x_shape) -> bool:
    a = attrs_of(node)
    axes = a.get("axes")
    if axes is None and len(node.input) > 1:
        axes = low.const(node, 1, "axes").tolist()
    return len(x_shape) == 4 and sorted(int(x) % 4 for x in (axes or [])) == [2, 3]


def _kept(node, y_shape) -> tuple:
    """A spatial ReduceMean with keepdims=0 pools to (N, C, 1, 1); its (N, C) result is a view of those bytes."""
    return tuple(y_shape) + (1, 1) if node.op_type == "ReduceMean" and len(y_shape) == 2 else tuple(y_shape)


def _dropped(low, node, y: str, y_shape) -> str:
    """The pooled (N, 1, 1, C) tensor as the (N, C) result keepdims=0 asks for: the same bytes, no copy."""
    if len(y_shape) != 2:
        return y
    t = low.g.tensors[y]
    out = low.g.tensor(y, tuple(y_shape), t.dtype, None, t.scale, t.zp)
    low.g.add("alias", [y], [out.name], node.name)
    return out.name


def pool_geometry(low, node, x_shape, y_shape) -> dict:
    a = attrs_of(node)
    op = node.op_type
    if op == "ReduceMean" and not _reduce_axes_ok(low, node, x_shape):
        low.fail(node, "ReduceMean is supported over the spatial axes (2, 3) of a 4-D tensor")
    if len(x_shape) != 4:
        low.fail(node, "pooling needs a 4-D tensor")
    glob = op in GLOBAL
    k = [x_shape[2], x_shape[3]] if glob else list(a["kernel_shape"])
    s = [1, 1] if glob else list(a.get("strides", [1, 1]))
    pads = [0, 0, 0, 0] if glob else list(a.get("pads", [0, 0, 0, 0]))
    if not glob and a.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET"):
        ph = max(0, (y_shape[2] - 1) * s[0] + k[0] - x_shape[2])
        pw = max(0, (y_shape[3] - 1) * s[1] + k[1] - x_shape[3])
        pads = [ph // 2, pw // 2, ph - ph // 2, pw - pw // 2]
    if not glob and list(a.get("dilations", [1, 1])) != [1, 1]:
        low.fail(node, "dilated pooling is not supported")
    if not glob and a.get("ceil_mode", 0):
        low.fail(node, "ceil_mode pooling is not supported")
    geo = {"ih": x_shape[2], "iw": x_shape[3], "c": x_shape[1], "oh": y_shape[2], "ow": y_shape[3],
           "kh": k[0], "kw": k[1], "sh": s[0], "sw": s[1], "pt": pads[0], "pl": pads[1]}
    limits.fit(node.name or op, "geometry", geo, "int16_t")  # ec_pool_geo's fields
    return {**geo, "max": op in ("MaxPool", "GlobalMaxPool"), "count_pad": int(a.get("count_include_pad", 0))}


def fp32(low, node, y_shape) -> str:
    g = low.g
    x = g.need(computed(low, node, 0), NHWC)
    geo = pool_geometry(low, node, g.tensors[x].shape, _kept(node, y_shape))
    y = g.tensor(node.output[0], _kept(node, y_shape), "float32", NHWC)
    g.add("pool", [x], [y.name], node.name, dtype="float32", geo=geo)
    return _dropped(low, node, y.name, y_shape)


def int8(low, p, qnode, y_shape, s, z, act) -> str:
    g, node = low.g, p.node
    x = g.need(p.inputs[0], NHWC)
    xt = g.tensors[x]
    y_shape, flat = _kept(node, y_shape), y_shape
    geo = pool_geometry(low, node, xt.shape, y_shape)
    y = g.tensor(qnode.output[0], y_shape, "int8", NHWC, s, z)
    same = abs(xt.scale - s) <= 1e-7 * s and xt.zp == z
    count = geo["kh"] * geo["kw"]
    padded = any(d > 0 for d in _pads(node, geo, xt.shape, y_shape))
    req = table = None
    if not geo["max"] and (geo["count_pad"] or (padded and not same)):
        # the divisor varies with the window (or counts padding): one multiplier per divisor 0..kh*kw
        table = [(0, 0)] + [fx.quantize_multiplier(xt.scale / (s * d)) for d in range(1, count + 1)]
        limits.multiplier_shift(node.name or node.op_type, [t[1] for t in table])
    elif not same:  # every window whole (no padding): one multiplier (max pooling: no divisor)
        req = fx.quantize_multiplier(xt.scale / (s * (1 if geo["max"] else count)))
        limits.multiplier_shift(node.name or node.op_type, [req[1]])
    g.add("pool", [x], [y.name], node.name, dtype="int8", geo=geo, act=act, req=req, req_table=table, in_zp=xt.zp,
          out_zp=z)
    return _dropped(low, node, y.name, flat)


def _pads(node, geo, x_shape, y_shape) -> list[int]:
    """Padding on each side (end pads from the output size: ONNX's bottom/right pads may be implied)."""
    pb = (y_shape[2] - 1) * geo["sh"] + geo["kh"] - x_shape[2] - geo["pt"]
    pr = (y_shape[3] - 1) * geo["sw"] + geo["kw"] - x_shape[3] - geo["pl"]
    return [geo["pt"], geo["pl"], pb, pr]
