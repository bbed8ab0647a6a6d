"""Depthwise convolutions run in place, one output row at a time (kernels/rows_window.c).

A depthwise conv whose output rows are as wide as its input rows (stride 1, no dilation, 'same' height)
writes output row oy over input row oy, reading its input rows from a window buffer of kh rows (op
scratch) instead: the arena then holds the tensor once plus kh rows, where whole tensors need it twice.
"""
from __future__ import annotations

import copy

from edgecompile.backends.c.ir import NHWC


def apply(g) -> tuple[object, int]:
    """A copy of `g` with every eligible depthwise conv marked to run by rows, and how many were (`g` itself
    when none is: a copy of a 100k-op graph takes seconds)."""
    eligible = [k for k, op in enumerate(g.ops) if _eligible(g, op)]
    if not eligible:
        return g, 0
    g = copy.deepcopy(g)
    for k in eligible:
        op = g.ops[k]
        geo = op.attrs["geo"]
        op.attrs["rows"] = True
        op.inplace = True
        op.scratch = geo["kh"] * geo["iw"] * geo["ic"]
    return g, len(eligible)


def _eligible(g, op) -> bool:
    if op.kind != "conv" or op.attrs.get("dtype") != "int8" or "res" in op.attrs:
        return False
    geo = op.attrs["geo"]
    x, y = g.tensors[op.inputs[0]], g.tensors[op.outputs[0]]
    return (geo["groups"] == geo["ic"] == geo["oc"] and geo["sh"] == geo["sw"] == geo["dh"] == geo["dw"] == 1
            and geo["oh"] == geo["ih"] and geo["ow"] == geo["iw"] and geo["pt"] < geo["kh"] and x.shape[0] == 1
            and x.perm == y.perm == NHWC and op.inputs[0] not in g.inputs)
