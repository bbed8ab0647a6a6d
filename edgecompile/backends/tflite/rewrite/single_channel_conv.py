"""An int8 CONV_2D on a one-channel input (a spectrogram, a grey image) -> the same conv with the
input's width (and stride rows) folded into channels.

XNNPACK's integer GEMM packs each kernel tap's input channels in groups of 4-8; with one channel a
tap wastes most of the work (measured: the first conv of MLPerf KWS took about half of the model's
time). Rewritten: pad the rows, view [N, H, W, 1] as [N, H/sh, 1, sh*W] (the same bytes), and run a
conv whose output channels are (output column, channel) pairs, viewed back as [N, Ho, Wo, C]. The
weights place each tap at the input column it reads (zeros elsewhere), so every output is the same
integer sum as before, with the same per-channel requantization: bit-exact, more MACs but dense.
"""
from __future__ import annotations

import math

import numpy as np

from edgecompile.backends.tflite.rewrite.graph import Graph

NAME = "single_channel_conv_widened"
MAX_MAC_GROWTH = 4.0  # folded zeros cost MACs: past this the dense kernel no longer pays for them
MAX_WEIGHTS = 1 << 20  # bytes of the new weights


def _pads(size: int, k: int, s: int, same: bool) -> tuple[int, int]:
    """(output size, padding before) as TFLite computes them."""
    if same:
        out = -(-size // s)
        return out, max((out - 1) * s + k - size, 0) // 2
    return (size - k) // s + 1, 0


def _plan(g: Graph, op):
    """The new geometry, or None when the conv is not a one-channel int8 conv worth widening."""
    if len(op.inputs) < 2 or g.type_name(op.inputs[0]) != "INT8" or len(g.shape(op.inputs[0])) != 4:
        return None
    x, wt = op.inputs[0], op.inputs[1]
    w = g.const(wt)
    o = op.builtinOptions
    if w is None or w.dtype != np.int8 or g.shape(x)[3] != 1 or (o.dilationHFactor, o.dilationWFactor) != (1, 1):
        return None
    if len(op.inputs) > 2 and op.inputs[2] >= 0 and g.const(op.inputs[2]) is None:
        return None
    n, h, wd, _ = g.shape(x)
    cout, kh, kw, _ = w.shape
    same = o.padding == g.s.Padding.SAME
    ho, top = _pads(h, kh, o.strideH, same)
    wo, left = _pads(wd, kw, o.strideW, same)
    sh = o.strideH
    taps = math.ceil(kh / sh)  # kernel rows per group of sh input rows
    groups = ho - 1 + taps
    bottom = groups * sh - h - top
    if bottom < 0 or g.shape(op.outputs[0]) != (n, ho, wo, cout):
        return None  # rows past the last window would need a crop: leave it
    cin = sh * wd
    if taps * cin / (kh * kw) > MAX_MAC_GROWTH or wo * cout * taps * cin > MAX_WEIGHTS:
        return None
    return dict(n=n, h=h, wd=wd, cout=cout, kh=kh, kw=kw, ho=ho, wo=wo, top=top, bottom=bottom, left=left,
                sh=sh, sw=o.strideW, taps=taps, groups=groups, cin=cin)


def _weights(w: np.ndarray, p: dict) -> np.ndarray:
    """[Wo*C, taps, 1, sh*W]: output column j, channel c reads input column j*sw - left + k at row phase r."""
    new = np.zeros((p["wo"], p["cout"], p["taps"], 1, p["sh"], p["wd"]), np.int8)
    for j in range(p["wo"]):
        for k in range(p["kw"]):
            col = j * p["sw"] - p["left"] + k
            if not 0 <= col < p["wd"]:
                continue  # padding: the zero point, which contributes zero
            for row in range(p["kh"]):
                new[j, :, row // p["sh"], 0, row % p["sh"], col] = w[:, row, k, 0]
    return new.reshape(p["wo"] * p["cout"], p["taps"], 1, p["cin"])


def _tiled(q, times: int):
    scales, zps, dim = q
    return (scales * times, zps * times, dim) if len(scales) > 1 else q


def apply(g: Graph) -> int:
    """Widen every one-channel int8 conv that qualifies; returns how many."""
    done = 0
    for op in [op for op in g.sg.operators if g.op_name(op) == "CONV_2D"]:
        p = _plan(g, op)
        if p is None:
            continue
        x, wt, y = op.inputs[0], op.inputs[1], op.outputs[0]
        base = g.tensor(y).name.decode()
        new_ops, src = [], x
        if p["top"] or p["bottom"]:
            pads = g.add_tensor(f"{base}/row_pads", (4, 2), "INT32",
                                data=np.array([[0, 0], [p["top"], p["bottom"]], [0, 0], [0, 0]], np.int32))
            src = g.add_tensor(f"{base}/rows_padded", (p["n"], p["groups"] * p["sh"], p["wd"], 1), "INT8", g.quant(x))
            new_ops.append(g.new_op("PAD", [x, pads], [src], version=2))
        rows = g.add_tensor(f"{base}/rows_as_channels", (p["n"], p["groups"], 1, p["cin"]), "INT8", g.quant(x))
        new_ops.append(g.reshape(src, rows))
        wq = g.quant(wt)
        ins = [rows, g.add_tensor(f"{base}/widened_weights", (p["wo"] * p["cout"], p["taps"], 1, p["cin"]), "INT8",
                                  _tiled(wq, p["wo"]) if wq else None, _weights(g.const(wt), p))]
        if len(op.inputs) > 2 and op.inputs[2] >= 0:
            b = op.inputs[2]
            bq = g.quant(b)
            ins.append(g.add_tensor(f"{base}/widened_bias", (p["wo"] * p["cout"],), g.type_name(b),
                                    _tiled(bq, p["wo"]) if bq else None, np.tile(g.const(b), p["wo"])))
        wide = g.add_tensor(f"{base}/columns_as_channels", (p["n"], p["ho"], 1, p["wo"] * p["cout"]), "INT8", g.quant(y))
        opts = op.builtinOptions
        opts.padding, opts.strideH, opts.strideW = g.s.Padding.VALID, 1, 1
        new_ops.append(g.new_op(g.op_name(op), ins, [wide], version=g.model.operatorCodes[op.opcodeIndex].version,
                                options_type="Conv2DOptions", options=opts))
        new_ops.append(g.reshape(wide, y))
        g.replace([op], new_ops)
        done += 1
    return done
