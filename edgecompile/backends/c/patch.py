"""Patch-based execution (MCUNetV2): a stage of consecutive spatial ops run band by band of its output.

A stage is a run of ops in the schedule (conv, depthwise, pooling, element-wise, a layout copy of the stage
input) that reads one tensor X and leaves one tensor Y for the rest of the graph. Its output rows are cut
into bands; for each band the stage computes, op after op, only the rows of each intermediate tensor that
the band's receptive field needs (neighbouring bands recompute the overlap: the halo), in buffers of band
height. The stage's intermediates never exist whole: the arena holds X, Y and one band's buffers.

Bands span whole rows, so every band buffer is contiguous in NHWC and the same kernels run on it with
adjusted geometry: an op producing rows [a, b) of its output from a buffer that holds input rows from r0
reads from row need = max(0, a*sh - pt) on (pointer offset), sees ih = rows held from there and
pt = pt - a*sh + need (0 <= pt <= the layer's). Rows the window needs outside the buffer lie outside the
tensor, so the kernels' own bounds checks pad exactly where the whole-tensor layer pads: same sums, same
bytes. The stage becomes one `patch` op (ops/patch.py emits it) whose scratch holds the band buffers.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass

from edgecompile.backends.c import planner
from edgecompile.backends.c.ir import ITEMSIZE, NHWC, Graph, Op, Tensor, logical_strides, pad4, strides

SPATIAL = ("conv", "pool")
ELEMENTWISE = ("lut", "unary", "binary")


@dataclass
class Stage:
    start: int  # g.ops[start:end] run as one patch op
    end: int
    x: str  # the one tensor it reads from outside
    y: str  # the one tensor it leaves to the rest of the graph


def conv_macs(geo: dict) -> int:
    """MACs of a conv layer as the emitter counts them (every tap of the window, padding included)."""
    return geo["oh"] * geo["ow"] * geo["oc"] * geo["kh"] * geo["kw"] * (geo["ic"] // geo["groups"])


def stages(g, starts: int = 3, longest: int = 24) -> list[Stage]:
    """Every valid stage that begins at one of the first `starts` compute ops (the high-resolution start of
    the network) and spans at most `longest` ops."""
    firsts = [i for i, op in enumerate(g.ops) if op.kind != "alias"][:starts]
    last = {t: len(g.ops) for t in g.outputs}  # the last step that reads each tensor (outputs: after the end)
    for i, op in enumerate(g.ops):
        for t in op.inputs:
            last[t] = max(last.get(t, i), i)
    found = []
    for s in firsts:
        for e in range(s + 1, min(len(g.ops), s + longest) + 1):
            st = _stage(g, s, e, last)
            if st is not None:
                found.append(st)
    return found


def _image(t: Tensor) -> bool:
    return len(t.shape) == 4 and t.shape[0] == 1 and t.perm == NHWC


def _stage(g, s: int, e: int, last: dict) -> Stage | None:
    ops = g.ops[s:e]
    made = {t for op in ops for t in op.outputs}
    outside = {t for op in ops for t in op.inputs if t not in made}
    if len(outside) != 1 or not all(_supported(g, op) for op in ops):
        return None
    x = next(iter(outside))
    leaving = [t for t in made if last.get(t, -1) >= e]
    if len(leaving) != 1 or ops[-1].outputs[0] != leaving[0] or x in made:
        return None
    y = leaving[0]
    read = {t for op in ops for t in op.inputs}
    if y in read or any(t not in read for t in made - {y}) or g.tensors[y].shape[2] < 2:
        return None
    for op in ops:  # a layout copy only of X itself; everything else works on NHWC images
        if op.kind == "copy" and op.inputs[0] != x:
            return None
        if op.kind != "copy" and not _image(g.tensors[op.inputs[0]]):
            return None
    if not any(op.kind in SPATIAL for op in ops):
        return None
    return Stage(s, e, x, y)


def _supported(g, op: Op) -> bool:
    if len(op.outputs) != 1 or not op.inputs or not _image(g.tensors[op.outputs[0]]):
        return False
    if op.kind == "conv":
        return not op.attrs.get("rows") and "res" not in op.attrs
    if op.kind == "pool":
        geo = op.attrs["geo"]
        return not (geo["oh"] == geo["ow"] == 1 and geo["kh"] == geo["ih"])  # a global pool needs every row
    if op.kind in ("lut", "unary"):
        return g.tensors[op.inputs[0]].shape == g.tensors[op.outputs[0]].shape
    if op.kind == "binary":
        y = g.tensors[op.outputs[0]]
        return (len(op.inputs) == 2 and all(c is None for c in op.attrs["consts"])
                and all(g.tensors[t].shape == y.shape and g.tensors[t].perm == y.perm for t in op.inputs))
    if op.kind == "copy":
        x = g.tensors[op.inputs[0]]
        return len(x.shape) == 4 and x.shape == g.tensors[op.outputs[0]].shape
    return False


def input_rows(op: Op, rows: tuple[int, int], ih: int) -> tuple[int, int]:
    """The input rows [top, bottom) that output rows [a, b) of `op` read (clipped to the tensor)."""
    a, b = rows
    if op.kind not in SPATIAL:
        return a, b
    geo = op.attrs["geo"]
    dh = geo.get("dh", 1)
    top = max(0, a * geo["sh"] - geo["pt"])
    bottom = min(ih, (b - 1) * geo["sh"] - geo["pt"] + (geo["kh"] - 1) * dh + 1)
    return top, max(top, bottom)


def regions(g, ops: list[Op], y: str, rows: tuple[int, int]) -> dict[str, tuple[int, int]]:
    """Rows of each stage tensor that output rows `rows` of y need (the union over its readers)."""
    need = {y: rows}
    for op in reversed(ops):
        r = need[op.outputs[0]]
        for t in op.inputs:
            top, bottom = input_rows(op, r, g.tensors[t].shape[2])
            old = need.get(t)
            need[t] = (top, bottom) if old is None else (min(old[0], top), max(old[1], bottom))
    return need


def bands(h: int, n: int) -> list[tuple[int, int]]:
    """`h` rows cut into `n` bands as equal as they come."""
    cuts = [round(k * h / n) for k in range(n + 1)]
    return [(cuts[k], cuts[k + 1]) for k in range(n)]


def _row_elems(t: Tensor) -> int:
    return t.shape[1] * t.shape[3]  # one NHWC row: W * C


class Bands:
    """The band-by-band ops of a patch op, built when first emitted (planning needs only their sizes). Never
    changed once built: copies of the graph share it."""

    def __init__(self, g, ops: list[Op], stage: Stage, plans: list[dict], offset: dict):
        self._args, self._built = (g, ops, stage, plans, offset), None

    def __deepcopy__(self, memo):
        return self

    def __iter__(self):
        if self._built is None:
            g, ops, stage, plans, offset = self._args
            self._built = [_band(g, ops, stage, need, offset, k) for k, need in enumerate(plans)]
        return iter(self._built)


def apply(g, stage: Stage, n: int) -> tuple[Graph, dict]:
    """A copy of `g` whose stage runs as one `patch` op over `n` bands, and what that costs and saves."""
    ops = g.ops[stage.start:stage.end]
    g, tensors = copy.copy(g), g.tensors  # the ops and tensors stay shared: only the schedule changes
    g.ops, g.tensors = list(g.ops), dict(tensors)
    made = [op.outputs[0] for op in ops if op.outputs[0] != stage.y]
    plans = [regions(g, ops, stage.y, r) for r in bands(g.tensors[stage.y].shape[2], n)]
    size = {t: planner._align(max((p[t][1] - p[t][0]) * _row_elems(g.tensors[t]) * ITEMSIZE[g.tensors[t].dtype]
                                  for p in plans)) for t in made}
    where = {op.outputs[0]: k for k, op in enumerate(ops)}
    last = {t: max(k for k, op in enumerate(ops) if t in op.inputs) for t in made}
    home = {t: t for t in made}
    for k, op in enumerate(ops):  # element-wise ops that may run in place do, where their rows are the input's
        t = op.inputs[0]
        if op.inplace and op.kind in ELEMENTWISE and op.outputs[0] in made and t in made and last[t] == k \
                and g.tensors[t].dtype == g.tensors[op.outputs[0]].dtype and all(p[t] == p[op.outputs[0]] for p in plans):
            home[op.outputs[0]] = home[t]
    span = {}
    for t in made:
        lo, hi = span.get(home[t], (where[t], last[t]))
        span[home[t]] = (min(lo, where[t]), max(hi, last[t]))
    bufs = [planner.Buffer([r], size[r], *span[r]) for r in span]
    scratch, placed = planner._place(sorted(bufs, key=lambda b: (-b.nbytes, b.first)))
    offset = {b.tensors[0]: off for b, off in placed}
    offset = {t: offset[home[t]] for t in made}
    convs = [op for op in ops if op.kind == "conv"]
    nominal = sum(conv_macs(op.attrs["geo"]) for op in convs)
    # a band computes rows [a, b) of each conv output: (b - a) / oh of the layer's MACs
    executed = sum(conv_macs(op.attrs["geo"]) // op.attrs["geo"]["oh"] * (p[op.outputs[0]][1] - p[op.outputs[0]][0])
                   for p in plans for op in convs)
    info = {"tiles": n, "layers": [op.source or op.kind for op in ops], "stage_ops": [stage.start, stage.end],
            "macs": nominal, "recomputed_macs": executed - nominal,
            "recomputed_pct": round(100.0 * (executed - nominal) / nominal, 2) if nominal else 0.0,
            "scratch_bytes": scratch}
    op = Op("patch", [stage.x], [stage.y], {"bands": Bands(g, ops, stage, plans, offset), "info": info},
            source=f"patch-based: {len(ops)} ops in {n} bands")
    op.scratch = scratch
    g.ops[stage.start:stage.end] = [op]
    return g, info


def _band(g, ops, stage: Stage, need: dict, offset: dict, k: int) -> tuple[Graph, list[Op]]:
    """The ops of band k over views of its buffers: a small graph whose tensors carry `ptr` = where they lie
    (("x"|"y", element offset into X or Y) or ("s", byte offset into the patch op's scratch))."""
    sub, calls = Graph(), []

    def view(name: str, t: Tensor, rows: int, ptr: tuple) -> str:
        v = Tensor(f"{name}_b{k}", (1, t.shape[1], rows, t.shape[3]), t.dtype, NHWC, t.scale, t.zp, t.onnx_name)
        v.ptr = ptr
        sub.tensors[v.name] = v
        return v.name

    def held(t: str) -> tuple[int, int, tuple]:  # rows [top, bottom) its buffer holds, and where row `top` lies
        if t == stage.x:
            return 0, g.tensors[t].shape[2], ("x", 0)
        return need[t][0], need[t][1], ("s", offset[t])

    for j, op in enumerate(ops):
        out = g.tensors[op.outputs[0]]
        a, b = need[op.outputs[0]]
        yptr = ("y", a * _row_elems(out)) if op.outputs[0] == stage.y else ("s", offset[op.outputs[0]])
        new = Op(op.kind, [], [view(f"o{j}", out, b - a, yptr)], dict(op.attrs), op.source)
        for m, t in enumerate(op.inputs):
            x = g.tensors[t]
            top, bottom, (kind, base) = held(t)
            if op.kind == "copy":  # X in its own layout: rows start at the H stride
                v = copy.copy(x)
                v.name, v.ptr = f"i{j}_{m}_b{k}", ("x", a * logical_strides(x)[2])
                sub.tensors[v.name] = v
                new.inputs.append(v.name)
                continue
            start, end = (input_rows(op, (a, b), x.shape[2])[0], bottom) if op.kind in SPATIAL else (a, b)
            skip = (start - top) * _row_elems(x)
            ptr = (kind, base + (skip if kind in "xy" else skip * ITEMSIZE[x.dtype]))
            new.inputs.append(view(f"i{j}_{m}", x, end - start, ptr))
            if op.kind in SPATIAL:
                geo = dict(op.attrs["geo"])
                geo.update(ih=bottom - start, oh=b - a, pt=geo["pt"] - a * geo["sh"] + start)
                new.attrs["geo"] = geo
        if op.kind == "binary":
            dims = pad4(sub.tensors[new.outputs[0]].stored, 1)
            new.attrs.update(dims=dims, strides=[strides(dims)] * 2)
        calls.append(new)
    return sub, calls
