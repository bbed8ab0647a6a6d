"""Residual Adds fused into convolutions (edgecompile/backends/c/fuse_residual.py) on drawn residual chains:
the indexed, linear fuse() fuses exactly the Adds that the plain definition (scan the graph for each check)
fuses, and a graph past the one-at-a-time search (every Add fused at once) gives the plain plan's bytes."""
from __future__ import annotations

import copy

import numpy as np

from backends.c import op_models
from backends.c.c_harness import CModel, qdq_wrap
from conftest import need_backend


def _chain(blocks: int, seed: int, reread: float = 0.3, c: int = 8, hw: tuple = (5, 3)):
    """conv-relu, then residual blocks (3x3 conv-relu-conv, Add of the block's input, relu); drawn per block: the
    Add's operand order, and whether the block's input is read again after the Add, itself or through a view
    (then it cannot fuse)."""
    from onnx import helper

    rng = np.random.default_rng(seed)
    shape = (1, c, *hw)
    inits, nodes = {}, []

    def conv(x, k):
        i = len(nodes)
        inits[f"w{i}"] = (rng.standard_normal((c, c, k, k)) * 0.4).astype(np.float32)
        inits[f"b{i}"] = (rng.standard_normal(c) * 0.1).astype(np.float32)
        nodes.append(helper.make_node("Conv", [x, f"w{i}", f"b{i}"], [f"c{i}"], kernel_shape=[k, k], pads=[k // 2] * 4))
        return f"c{i}"

    def node(op, ins):
        nodes.append(helper.make_node(op, ins, [f"n{len(nodes)}"]))
        return nodes[-1].output[0]

    inits["shape"] = np.array(shape, np.int64)
    x = node("Relu", [conv("x", 3)])
    for _ in range(blocks):
        again = None  # the block's input read once more after the Add: itself, or a view made before the convs
        if rng.random() < reread:
            again = node("Flatten", [x]) if rng.random() < 0.5 else x
        h = conv(node("Relu", [conv(x, 3)]), 3)
        s = node("Add", [h, x] if rng.random() < 0.5 else [x, h])
        if again is x:
            s = node("Add", [s, x])
        elif again is not None:  # in the flattened view, then back to NCHW (views both ways)
            s = node("Reshape", [node("Add", [node("Flatten", [s]), again]), "shape"])
        x = node("Relu", [s])
    for n in nodes:
        n.name = n.output[0]
    model = op_models.model(nodes, {"x": shape}, [x], inits)
    feeds = [op_models.feeds_for({"x": shape}, rng) for _ in range(3)]
    return qdq_wrap(model, feeds), feeds


def _plain_fuse(g):
    """fuse() as defined: each check scans the graph (quadratic), fusing Adds in graph order."""
    from edgecompile.backends.c import fuse_residual as fr

    def producer(name):
        return next((op for op in g.ops if name in op.outputs), None)

    def views(name):
        out, todo = {name}, [name]
        while todo:
            t = todo.pop()
            for op in g.ops:
                if op.kind == "alias" and (t in op.inputs or t in op.outputs):
                    new = [n for n in op.inputs + op.outputs if n not in out]
                    out.update(new)
                    todo += new
        return out

    def fusable(conv, add, mid, other):
        a = conv.attrs
        if conv.kind != "conv" or a.get("dtype") != "int8" or "res" in a or g.tensors[mid].shape[0] != 1:
            return False
        chosen = fr.conv_simd.choose(a["geo"], a)
        if chosen is not None and chosen[0] not in ("conv_s8_simd4", "conv_s8_im2row"):
            return False
        if [op for op in g.ops if mid in op.inputs] != [add] or mid in g.outputs or other in g.inputs + g.outputs:
            return False
        at, made = g.ops.index(conv), producer(other)
        if made is None or g.ops.index(made) >= at or views(other) & views(conv.inputs[0]):
            return False
        return not any(set(op.inputs) & views(other) for op in g.ops[at:] if op is not add)

    g = copy.deepcopy(g)
    for add in [op for op in g.ops if fr._candidate(g, op)]:
        for operand, name in enumerate(add.inputs):
            conv, other = producer(name), add.inputs[1 - operand]
            if conv is not None and fusable(conv, add, name, other):
                conv.inputs, conv.outputs = [conv.inputs[0], other], [add.outputs[0]]
                conv.attrs["res"] = {"operand": operand}
                g.ops.remove(add)
                break
    return g


def _shape(g):
    return [(op.kind, list(op.inputs), list(op.outputs), (op.attrs.get("res") or {}).get("operand")) for op in g.ops]


def test_indexed_fuse_fuses_what_the_plain_definition_fuses():
    from edgecompile.backends.c import fuse_residual, lower

    counts, views = [], 0
    for seed in range(8):
        qdq, _ = _chain(12, seed)
        g, _ = lower.lower(qdq)
        views += sum(op.kind == "alias" for op in g.ops)
        fused, n = fuse_residual.fuse(g)
        assert _shape(fused) == _shape(_plain_fuse(g)), seed
        counts.append(n)
    # Adds that fuse, Adds that do not, and graphs with views in them (a flattened block input is stored in
    # another layout, so its Add is refused before the alias check decides: that check is not exercised here)
    assert sum(counts) > 0 and min(counts) < 12 and views > 0


def test_past_the_search_every_add_is_fused_at_once_or_none(tmp_path, monkeypatch):
    """The large-graph branch (forced here on a small graph) plans the graph with every Add fused, keeps it
    only if its arena is smaller, and what it keeps runs to the plain plan's bytes."""
    from edgecompile.backends.c import backend, fuse_residual, lower, planner

    need_backend("c")
    qdq, feeds = _chain(5, 7, reread=0.4)
    g, _ = lower.lower(qdq)
    every, n = fuse_residual.fuse(g)
    assert n > 0
    all_fused = planner.plan(every).arena_bytes
    before = backend._plan_whole(g, {"fuse_add": False})[1].arena_bytes
    monkeypatch.setattr(fuse_residual, "SEARCHED", 0)
    _, p = backend._plan_whole(g, {})
    assert [v for k, v in p.candidates.items() if "all at once" in k] == [all_fused]
    assert p.arena_bytes == min(before, all_fused)
    assert ("all at once" in p.strategy) == (all_fused < before)
    plain = CModel(qdq, tmp_path / "plain", overlap=False)
    chosen = CModel(qdq, tmp_path / "chosen", rewrite=True)
    for f in feeds:
        assert [a.tobytes() for a in chosen.run(f)] == [b.tobytes() for b in plain.run(f)]
