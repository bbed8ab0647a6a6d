"""The ops of one tile of a patch-based stage (patch.py), over views of the tile's buffers.

Every view carries `ptr`: ("x" | "y", element offset into the stage's input X or output Y) or ("s", byte offset
into the patch op's scratch). A buffer holds a window of its tensor (rows [r0, r1), columns [c0, c1)) as a
contiguous NHWC block. A spatial op producing window (a, b, c, d) of its output reads its input buffer from row
top = max(0, a*sh - pt), column left = max(0, c*sw - pl) (a pointer offset) and sees ih = rows held from there,
iw = the buffer's width (its row stride), pt = pt - a*sh + top, pl = pl - c*sw + left (0 <= both <= the
layer's); oh, ow = the window's size. Where a window needs rows or columns outside the buffer they lie outside
the tensor, so the kernels' own bounds checks pad exactly where the whole layer pads: same sums, same bytes.
(With left > c0 the bound iw lies past the buffer's right edge: patch._columns_ok admits that only where the
window needs no column beyond the tensor's right edge, so the bound is never reached.)

Bands (whole rows) read X and write Y in place. With columns cut, X's window is first gathered into a buffer
(kernels/copy.c) unless a layout copy reads X itself, and Y's tile is scattered back one row at a time; an
element-wise op whose input window is wider than its output runs one row at a time. Such ops carry
attrs["tile_rows"] = (row count, {view: elements between rows}): ops/patch.py wraps their call in a loop.
"""
from __future__ import annotations

import copy

from edgecompile.backends.c.ir import ITEMSIZE, NHWC, Graph, Op, Tensor, logical_strides, pad4, strides
from edgecompile.backends.c.patch import SPATIAL, input_window


def tile_ops(g, ops: list[Op], stage, need: dict, offset: dict, grid: tuple, k: int) -> tuple[Graph, list[Op]]:
    sub, calls = Graph(), []
    cut = grid[1] > 1
    gathered = cut and stage.x in offset

    def view(name: str, t: Tensor, rows: int, cols: int, ptr: tuple) -> str:
        v = Tensor(f"{name}_t{k}", (1, t.shape[1], rows, cols), t.dtype, NHWC, t.scale, t.zp, t.onnx_name)
        v.ptr = ptr
        sub.tensors[v.name] = v
        return v.name

    def held(t: str) -> tuple:  # the window its buffer holds, and where that buffer lies
        if t == stage.x and not gathered:
            return (0, g.tensors[t].shape[2], 0, g.tensors[t].shape[3]), ("x", 0)
        return need[t], ("s", offset[t])

    def at(t: str, row: int, col: int) -> tuple:  # pointer to (row, col) of t's buffer
        (r0, _, c0, c1), (kind, base) = held(t)
        n = ((row - r0) * (c1 - c0) + col - c0) * g.tensors[t].shape[1]
        return kind, base + (n if kind in "xy" else n * ITEMSIZE[g.tensors[t].dtype])

    if gathered:  # X's window, gathered from X (kernels/copy.c reads any strides)
        x, (a, b, c, d) = g.tensors[stage.x], need[stage.x]
        src = _whole(sub, x, f"x_t{k}", ("x", a * x.shape[1] * x.shape[3] + c * x.shape[1]))
        calls.append(Op("copy", [src], [view("xw", x, b - a, d - c, ("s", offset[stage.x]))], {}, "window of X"))
    for j, op in enumerate(ops):
        out = g.tensors[op.outputs[0]]
        a, b, c, d = need[op.outputs[0]]
        yptr = ("y", a * out.shape[1] * out.shape[3]) if op.outputs[0] == stage.y and not cut else \
            ("s", offset[op.outputs[0]])
        new = Op(op.kind, [], [view(f"o{j}", out, b - a, d - c, yptr)], dict(op.attrs), op.source)
        loop = {}
        # element-wise with an input window wider than the output: every operand one row at a time
        looped = op.kind not in SPATIAL and any(held(t)[0][2:] != (c, d) for t in op.inputs)
        for m, t in enumerate(op.inputs):
            x = g.tensors[t]
            if op.kind == "copy":  # the layout change of X: a gather from X's own layout
                ls = logical_strides(x)
                new.inputs.append(_whole(sub, x, f"i{j}_{m}_t{k}", ("x", a * ls[2] + c * ls[3])))
                continue
            (r0, r1, c0, c1), _ = held(t)
            if op.kind in SPATIAL:
                top, _, left, _ = input_window(op, (a, b, c, d), x.shape)
                new.inputs.append(view(f"i{j}_{m}", x, r1 - top, c1 - c0, at(t, top, left)))
                geo = dict(op.attrs["geo"])
                geo.update(ih=r1 - top, iw=c1 - c0, oh=b - a, ow=d - c, pt=geo["pt"] - a * geo["sh"] + top,
                           pl=geo["pl"] - c * geo["sw"] + left)
                new.attrs["geo"] = geo
            elif not looped:  # element-wise, whole rows of the buffer: contiguous
                new.inputs.append(view(f"i{j}_{m}", x, b - a, d - c, at(t, a, c)))
            else:
                new.inputs.append(view(f"i{j}_{m}", x, 1, d - c, at(t, a, c)))
                loop[new.inputs[-1]] = (c1 - c0) * x.shape[1]
        if loop:
            o = new.outputs[0]
            sub.tensors[o] = _rows(sub.tensors[o], 1)
            loop[o] = (d - c) * out.shape[1]
            new.attrs["tile_rows"] = (b - a, loop)
        if op.kind == "binary":
            dims = pad4(sub.tensors[new.outputs[0]].stored, 1)
            new.attrs.update(dims=dims, strides=[strides(dims)] * 2)
        calls.append(new)
    if cut:  # Y's tile back into Y, one row at a time
        y, (a, b, c, d) = g.tensors[stage.y], need[stage.y]
        src = view("yt", y, 1, d - c, ("s", offset[stage.y]))
        dst = view("yw", y, 1, d - c, ("y", (a * y.shape[3] + c) * y.shape[1]))
        calls.append(Op("copy", [src], [dst], {"tile_rows": (b - a, {src: (d - c) * y.shape[1], dst: y.shape[3] * y.shape[1]})},
                        "tile into Y"))
    return sub, calls


def _whole(sub: Graph, t: Tensor, name: str, ptr: tuple) -> str:
    """A view with t's own shape and layout (a gather's source), starting at `ptr`."""
    v = copy.copy(t)
    v.name, v.ptr = name, ptr
    sub.tensors[name] = v
    return name


def _rows(t: Tensor, rows: int) -> Tensor:
    v = copy.copy(t)
    v.shape = (1, t.shape[1], rows, t.shape[3])
    return v
