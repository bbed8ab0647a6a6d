"""How far below its input an op's output may start without overwriting a byte the op has yet to read.

Why it is safe, per kernel family (all of them write their output front to back, in its memory order):
  - conv (kernels/conv_*.c, dwconv_s8_simd.c, pw_s8_simd.c, conv_s8_im2row.c) and pool (maxpool_*,
    avgpool_*): the loops run over output pixels (oy, ox) in row-major order; pixel q reads only its
    window, whose lowest byte is pixel (max(0, oy*sh-pt), max(0, ox*sw-pl)) of the NHWC input. The GEMM
    kernels compute two pixels together (they write pixel q+1's channels while q's window is still read),
    so every conv is treated as writing up to the end of pixel q+1 while pixel q's reads are pending.
  - element-wise (lut, unary, binary operands of the output's shape and order, add_s8*.c): element i is
    read, then written; the loop runs over i in memory order.
So while the kernel works on unit q, the bytes it has written end at out_end(q+G-1) and every byte it
will still read lies at or after in_min(q) = the lowest input byte any unit >= q reads. An output
starting D = max_q(out_end(q+G-1) - in_min(q)) bytes (or more) below its input never overwrites an
unread byte, whatever its size (a larger output simply needs a larger D). Batched images (N > 1) are
left alone: their kernels run once per image and the rule above is stated per image.
"""
from __future__ import annotations

import numpy as np

from edgecompile.backends.c.ir import ITEMSIZE, NHWC


def distance(g, op, k: int) -> int | None:
    """Bytes the output of `op` must start below input k for the op to run over it; None: not allowed."""
    if len(op.outputs) != 1 or k >= len(op.inputs):
        return None
    x, y = g.tensors[op.inputs[k]], g.tensors[op.outputs[0]]
    if op.kind in ("conv", "pool"):
        geo = op.attrs.get("geo")
        if not geo or x.shape[0] != 1 or x.perm != NHWC or y.perm != NHWC or k != 0:
            return None
        ic = geo.get("ic", geo.get("c"))
        oc = geo.get("oc", geo.get("c"))
        return _window(geo, ic * ITEMSIZE[x.dtype], oc * ITEMSIZE[y.dtype], 2 if op.kind == "conv" else 1)
    if op.kind in ("lut", "unary") or (op.kind == "binary" and x.shape == y.shape and x.perm == y.perm):
        n, a, b = y.size, ITEMSIZE[x.dtype], ITEMSIZE[y.dtype]
        return b if b <= a else n * b - (n - 1) * a
    return None


def _window(geo, in_px: int, out_px: int, group: int) -> int:
    oy, ox = np.meshgrid(np.arange(geo["oh"]), np.arange(geo["ow"]), indexing="ij")
    iy = np.maximum(0, oy * geo["sh"] - geo["pt"]).ravel()
    ix = np.maximum(0, ox * geo["sw"] - geo["pl"]).ravel()
    first = (iy * geo["iw"] + ix).astype(np.int64) * in_px
    in_min = np.minimum.accumulate(first[::-1])[::-1]  # lowest byte read by any pixel >= q
    q = np.arange(first.size)
    out_end = (np.minimum(q + group, first.size)) * out_px
    return int(max(0, (out_end - in_min).max()))
