"""Residual Adds fused into the convolution that makes one of their operands, written over the other.

An int8 Add r + conv(x) (same shape and storage, the fast exact form of kernels/res_add_s8.c) whose conv
output feeds only that Add becomes one conv op whose store adds r's byte at the destination and writes the
sum there: the sum lives in r's buffer (planner: `over` = 1), so conv(x) is never materialized. That needs
r to die at the conv (nothing else reads it afterwards; it is no graph input or output) and the conv to
run on a kernel with the fused store (conv_s8, and conv_s8_simd4 or conv_s8_im2row on the DSP path). The
fused op takes the conv's place in the schedule, so r's last reader must come before it.
"""
from __future__ import annotations

import copy

from edgecompile.backends.c.ops import conv_simd
from edgecompile.backends.c.ops.binary import fast_add


def candidates(g) -> list[str]:
    """The outputs of the Adds that fuse() can fuse."""
    return [op.outputs[0] for op in fuse(g)[0].ops if "res" in op.attrs]


def fuse(g, only: set | None = None) -> tuple[object, int]:
    """A copy of `g` with every fusable residual Add fused (or those whose outputs are in `only`), and how
    many were (`g` itself when no Add can be: a copy of a 100k-op graph takes seconds)."""
    if not any(_candidate(g, op) and (only is None or op.outputs[0] in only) for op in g.ops):
        return g, 0
    g = copy.deepcopy(g)
    fused = 0
    for add in [op for op in g.ops if _candidate(g, op) and (only is None or op.outputs[0] in only)]:
        step = g.ops.index(add)
        for operand, name in enumerate(add.inputs):
            conv = _producer(g, name)
            other = add.inputs[1 - operand]
            if conv is None or not _fusable(g, conv, add, name, other):
                continue
            conv.inputs = [conv.inputs[0], other]
            conv.outputs = [add.outputs[0]]
            conv.attrs["res"] = {"operand": operand, "q": add.attrs["q"], "offs": add.attrs["offs"],
                                 "out_zp": add.attrs["out_zp"], "act": add.attrs["act"]}
            conv.attrs["over"] = 1
            conv.inplace = True
            conv.source = f"{conv.source} + {add.source}"
            del g.ops[step]
            fused += 1
            break
    return g, fused


def _candidate(g, op) -> bool:
    if op.kind != "binary" or op.attrs.get("dtype") != "int8" or op.attrs.get("fn") != "+" or len(op.inputs) != 2:
        return False
    y = g.tensors[op.outputs[0]]
    same = all(g.tensors[n].shape == y.shape and g.tensors[n].perm == y.perm for n in op.inputs)
    return same and op.inputs[0] != op.inputs[1] and fast_add(op.attrs["q"], op.attrs["offs"]) \
        and op.outputs[0] not in g.outputs


def _producer(g, name):
    return next((op for op in g.ops if name in op.outputs), None)


def _fusable(g, conv, add, mid: str, other: str) -> bool:
    a = conv.attrs
    if conv.kind != "conv" or a.get("dtype") != "int8" or "res" in a or g.tensors[mid].shape[0] != 1:
        return False
    chosen = conv_simd.choose(a["geo"], a)  # conv_s8_simd4 on Helium where conv_s8_im2row elsewhere: both fuse
    if chosen is not None and chosen[0] not in ("conv_s8_simd4", "conv_s8_im2row"):
        return False
    readers = [op for op in g.ops if mid in op.inputs]
    if readers != [add] or mid in g.outputs or other in g.inputs or other in g.outputs:
        return False
    at = g.ops.index(conv)
    made = _producer(g, other)
    if made is None or g.ops.index(made) >= at or _views(g, other) & _views(g, conv.inputs[0]):
        return False
    # r dies at the conv: nothing reads r (or a view of it) after the conv but the Add itself
    later = [op for op in g.ops[at:] if op is not add]
    return not any(set(op.inputs) & _views(g, other) for op in later)


def _views(g, name: str) -> set:
    """`name` and every tensor that shares its memory through free views (alias ops)."""
    out, todo = {name}, [name]
    while todo:
        t = todo.pop()
        for op in g.ops:
            if op.kind == "alias" and (t in op.inputs or t in op.outputs):
                for n in op.inputs + op.outputs:
                    if n not in out:
                        out.add(n)
                        todo.append(n)
    return out
