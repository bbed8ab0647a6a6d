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
from collections import defaultdict

from edgecompile.backends.c.ops import conv_simd
from edgecompile.backends.c.ops.binary import fast_add

SEARCHED = 16  # candidates tried one at a time (each plans the whole graph); past this, all are tried at once


def fuse(g, only: set | None = None) -> tuple[object, int]:
    """A copy of `g` with every fusable residual Add fused (or those whose outputs are in `only`), and how
    many were (`g` itself when no Add can be: a copy of a 100k-op graph takes seconds). Linear in the graph:
    each check is a few lookups in an index built once, kept current as Adds fuse."""
    if not any(_candidate(g, op) and (only is None or op.outputs[0] in only) for op in g.ops):
        return g, 0
    g = copy.deepcopy(g)
    idx = _Index(g)
    removed: set = set()
    for add in [op for op in g.ops if _candidate(g, op) and (only is None or op.outputs[0] in only)]:
        for operand, name in enumerate(add.inputs):
            conv = idx.producer.get(name)
            other = add.inputs[1 - operand]
            if conv is None or not _fusable(g, idx, conv, add, name, other):
                continue
            conv.inputs = [conv.inputs[0], other]
            conv.outputs = [add.outputs[0]]
            conv.attrs["res"] = {"operand": operand, "q": add.attrs["q"], "offs": add.attrs["offs"],
                                 "out_zp": add.attrs["out_zp"], "act": add.attrs["act"]}
            conv.attrs["over"] = 1
            conv.inplace = True
            conv.source = f"{conv.source} + {add.source}"
            idx.fused(conv, add, name, other)
            removed.add(id(add))
            break
    g.ops = [op for op in g.ops if id(op) not in removed]
    return g, len(removed)


class _Index:
    """Where each op stands, which op makes each tensor and which read it, and the tensors that share memory
    through free views (alias ops). Positions are the original ones: removing fused Adds keeps the order."""

    def __init__(self, g):
        self.pos = {id(op): i for i, op in enumerate(g.ops)}
        self.producer, self.readers = {}, defaultdict(list)
        self._parent: dict = {}
        for op in g.ops:
            for n in op.outputs:
                self.producer[n] = op
            for n in dict.fromkeys(op.inputs):
                self.readers[n].append(op)
            if op.kind == "alias":
                names = op.inputs + op.outputs
                for n in names[1:]:
                    self._parent[self._root(n)] = self._root(names[0])
        self._groups = defaultdict(set)
        for n in list(self._parent):
            self._groups[self._root(n)].add(n)

    def _root(self, n: str) -> str:
        while self._parent.setdefault(n, n) != n:
            self._parent[n] = n = self._parent[self._parent[n]]
        return n

    def views(self, name: str) -> set:
        """`name` and every tensor that shares its memory through free views."""
        return self._groups[self._root(name)] if name in self._parent else {name}

    def fused(self, conv, add, mid: str, other: str) -> None:
        """conv now reads `other` and makes the Add's output; the Add and `mid` are gone."""
        self.readers[other] = [op for op in self.readers[other] if op is not add] + [conv]
        self.readers[mid] = []
        self.producer.pop(mid, None)
        self.producer[add.outputs[0]] = conv


def _candidate(g, op) -> bool:
    if op.kind != "binary" or op.attrs.get("dtype") != "int8" or op.attrs.get("fn") != "+" or len(op.inputs) != 2:
        return False
    y = g.tensors[op.outputs[0]]
    same = all(g.tensors[n].shape == y.shape and g.tensors[n].perm == y.perm for n in op.inputs)
    return same and op.inputs[0] != op.inputs[1] and fast_add(op.attrs["q"], op.attrs["offs"]) \
        and op.outputs[0] not in g.outputs


def _fusable(g, idx: _Index, conv, add, mid: str, other: str) -> bool:
    a = conv.attrs
    if conv.kind != "conv" or a.get("dtype") != "int8" or "res" in a or g.tensors[mid].shape[0] != 1:
        return False
    chosen = conv_simd.choose(a["geo"], a)  # conv_s8_simd4 on Helium where conv_s8_im2row elsewhere: both fuse
    if chosen is not None and chosen[0] not in ("conv_s8_simd4", "conv_s8_im2row"):
        return False
    if idx.readers[mid] != [add] or mid in g.outputs or other in g.inputs or other in g.outputs:
        return False
    at = idx.pos[id(conv)]
    made = idx.producer.get(other)
    if made is None or idx.pos[id(made)] >= at or idx.views(other) & idx.views(conv.inputs[0]):
        return False
    # r dies at the conv: nothing reads r (or a view of it) from the conv on but the Add itself
    return not any(idx.pos[id(op)] >= at and op is not add for t in idx.views(other) for op in idx.readers[t])
