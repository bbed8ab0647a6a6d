"""Patch-based execution (MCUNetV2): a stage of consecutive spatial ops computed tile by tile of its output.

A stage is a run of ops in the schedule (conv, depthwise, pooling, element-wise, a layout copy of the stage
input) that reads one tensor X and leaves one tensor Y for the rest of the graph. Y is cut into tiles: bands
of whole rows, or a grid that cuts columns too. For each tile the stage computes, op after op, only the
window of each intermediate tensor that the tile's receptive field needs (neighbouring tiles recompute the
overlap: the halo), in buffers of tile size. The stage's intermediates never exist whole: the arena holds X,
Y and one tile's buffers. The same kernels run on the tiles with adjusted geometry (patch_tiles.py says how,
and why the bytes stay the same). The stage becomes one `patch` op (ops/patch.py emits it) whose scratch
holds the tile buffers.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass

from edgecompile.backends.c import planner
from edgecompile.backends.c.ir import ITEMSIZE, NHWC, Graph, Op, Tensor

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


def input_window(op: Op, win: tuple, shape) -> tuple[int, int, int, int]:
    """The input rows [top, bottom) and columns [left, right) that the output window (rows [a, b), columns
    [c, d)) of `op` reads, clipped to the input (NCHW `shape`)."""
    a, b, c, d = win
    if op.kind not in SPATIAL:
        return win
    geo = op.attrs["geo"]
    dh, dw = geo.get("dh", 1), geo.get("dw", 1)
    top, left = max(0, a * geo["sh"] - geo["pt"]), max(0, c * geo["sw"] - geo["pl"])
    bottom = min(shape[2], (b - 1) * geo["sh"] - geo["pt"] + (geo["kh"] - 1) * dh + 1)
    right = min(shape[3], (d - 1) * geo["sw"] - geo["pl"] + (geo["kw"] - 1) * dw + 1)
    return top, max(top, bottom), left, max(left, right)


def regions(g, ops: list[Op], y: str, win: tuple, whole_rows: bool) -> dict[str, tuple]:
    """The window (rows, columns) of each stage tensor that window `win` of y needs (the union over its
    readers). whole_rows: bands, every tensor's rows kept whole (width), so that its buffers are contiguous."""
    need = {y: win}
    for op in reversed(ops):
        r = need[op.outputs[0]]
        for t in op.inputs:
            shape = g.tensors[t].shape
            w = input_window(op, r, shape)
            if whole_rows:
                w = (w[0], w[1], 0, shape[3])
            old = need.get(t)
            need[t] = w if old is None else (min(old[0], w[0]), max(old[1], w[1]), min(old[2], w[2]),
                                             max(old[3], w[3]))
    return need


def cuts(h: int, n: int) -> list[tuple[int, int]]:
    """`h` rows (or columns) cut into `n` runs as equal as they come."""
    at = [round(k * h / n) for k in range(n + 1)]
    return [(at[k], at[k + 1]) for k in range(n)]


def elems(t: Tensor, win: tuple) -> int:
    return (win[1] - win[0]) * (win[3] - win[2]) * t.shape[1]


@dataclass
class Tiles:
    """What a patch op's emitter needs to build each tile's ops (patch_tiles.tile_ops): built when emitted, as
    planning needs only the sizes. Never changed once made: copies of the graph share it."""
    g: Graph
    ops: list
    stage: Stage
    plans: list  # per tile: tensor -> its window (rows [a, b), columns [c, d))
    offset: dict  # tensor -> byte offset of its buffer in the op's scratch
    grid: tuple  # (rows, columns) of tiles

    def __deepcopy__(self, memo):
        return self


def apply(g, stage: Stage, grid) -> tuple[Graph, dict] | tuple[None, None]:
    """A copy of `g` whose stage runs as one `patch` op over a grid of (rows, columns) tiles (an int: that many
    bands), and what that costs and saves; (None, None) when the kernels cannot take that grid's geometry."""
    ty, tx = (grid, 1) if isinstance(grid, int) else grid
    ops = g.ops[stage.start:stage.end]
    g, tensors = copy.copy(g), g.tensors  # the ops and tensors stay shared: only the schedule changes
    g.ops, g.tensors = list(g.ops), dict(tensors)
    yt = g.tensors[stage.y]
    plans = [regions(g, ops, stage.y, (a, b, c, d), tx == 1) for a, b in cuts(yt.shape[2], ty)
             for c, d in cuts(yt.shape[3], tx)]
    if tx > 1 and not _columns_ok(g, ops, stage, plans):
        return None, None
    # tensors with a buffer in the op's scratch: the stage's own; with columns cut, X's window and Y's tile too
    made = [op.outputs[0] for op in ops if op.outputs[0] != stage.y or tx > 1]
    gathered = tx > 1 and any(op.kind != "copy" and stage.x in op.inputs for op in ops)
    size = {t: planner._align(max(elems(g.tensors[t], p[t]) for p in plans) * ITEMSIZE[g.tensors[t].dtype])
            for t in made + [stage.x] * gathered}
    where = {op.outputs[0]: k for k, op in enumerate(ops)} | {stage.x: -1}
    last = {t: max(k for k, op in enumerate(ops) if t in op.inputs) for t in size if t != stage.y}
    last[stage.y] = len(ops)  # the scatter into Y after the last op
    home = {t: t for t in size}
    for k, op in enumerate(ops):  # element-wise ops that may run in place do, where their window is the input's
        t = op.inputs[0]
        if op.inplace and op.kind in ELEMENTWISE and op.outputs[0] in made and t in made and last[t] == k \
                and g.tensors[t].dtype == g.tensors[op.outputs[0]].dtype and all(p[t] == p[op.outputs[0]] for p in plans):
            home[op.outputs[0]] = home[t]
    span = {}
    for t in size:
        lo, hi = span.get(home[t], (where[t], last[t]))
        span[home[t]] = (min(lo, where[t]), max(hi, last[t]))
    bufs = [planner.Buffer([r], size[r], *span[r]) for r in span]
    scratch, placed = planner._place(sorted(bufs, key=lambda b: (-b.nbytes, b.first)))
    offset = {b.tensors[0]: off for b, off in placed}
    offset = {t: offset[home[t]] for t in size}
    convs = [op for op in ops if op.kind == "conv"]
    nominal = sum(conv_macs(op.attrs["geo"]) for op in convs)
    # a tile computes a window of each conv output: its share of the layer's MACs
    per_px = {id(op): conv_macs(op.attrs["geo"]) // (op.attrs["geo"]["oh"] * op.attrs["geo"]["ow"]) for op in convs}
    executed = sum(per_px[id(op)] * elems(g.tensors[op.outputs[0]], p[op.outputs[0]]) // g.tensors[op.outputs[0]].shape[1]
                   for p in plans for op in convs)
    info = {"tiles": ty * tx, "grid": [ty, tx], "layers": [op.source or op.kind for op in ops],
            "stage_ops": [stage.start, stage.end], "macs": nominal, "recomputed_macs": executed - nominal,
            "recomputed_pct": round(100.0 * (executed - nominal) / nominal, 2) if nominal else 0.0,
            "scratch_bytes": scratch}
    what = f"{ty} bands" if tx == 1 else f"{ty}x{tx} tiles"
    op = Op("patch", [stage.x], [stage.y], {"tiles": Tiles(g, ops, stage, plans, offset, (ty, tx)), "info": info},
            source=f"patch-based: {len(ops)} ops in {what}")
    op.scratch = scratch
    g.ops[stage.start:stage.end] = [op]
    return g, info


def _columns_ok(g, ops, stage: Stage, plans) -> bool:
    """With columns cut, a spatial op reads its input buffer with the buffer's width as row stride and as right
    bound (patch_tiles.py): where its window starts right of the buffer's first column, that bound lies past the
    buffer, so the window must need no padding on the right."""
    for p in plans:
        for op in ops:
            if op.kind in SPATIAL:
                t, (a, b, c, d) = op.inputs[0], p[op.outputs[0]]
                geo, w = op.attrs["geo"], g.tensors[op.inputs[0]].shape[3]
                left = input_window(op, (a, b, c, d), g.tensors[t].shape)[2]
                right = (d - 1) * geo["sw"] - geo["pl"] + (geo["kw"] - 1) * geo.get("dw", 1) + 1
                if left != p[t][2] and right > w:
                    return False
    return True
