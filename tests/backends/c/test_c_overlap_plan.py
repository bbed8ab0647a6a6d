"""Outputs placed over their dying inputs (planner + overlap.py) change no output byte: random small graphs
built twice on the host, once with overlaps and once with whole tensors, give identical outputs; a conv
chain gets an arena below the whole-tensor liveness bound."""
from __future__ import annotations

import numpy as np
from hypothesis import given

from conftest import need_backend

from backends.c import op_models
from backends.c.c_harness import CModel
from backends.c.test_c_random_graphs import PROFILE, graphs


def _both(model, feeds, folder):
    with_ = CModel(model, folder / "overlap")
    without = CModel(model, folder / "whole", overlap=False)
    assert with_.plan.arena_bytes <= without.plan.arena_bytes
    assert with_.plan.arena_bytes <= with_.plan.lower_bound or not with_.plan.lower_bound
    for a, b in zip(with_.run(feeds), without.run(feeds)):
        assert a.tobytes() == b.tobytes()
    return with_


def test_random_graphs_same_bytes_with_overlaps(tmp_path_factory):
    need_backend("c")

    @PROFILE
    @given(drawn=graphs())
    def prop(drawn):
        model, feeds, _ = drawn
        _both(model, feeds, tmp_path_factory.mktemp("ov"))

    prop()


def test_conv_chain_below_whole_tensor_bound(tmp_path):
    from onnx import helper

    need_backend("c")
    rng = np.random.default_rng(0)
    inits, nodes, x, c = {}, [], "x", 8
    for i, (k, groups) in enumerate([(3, 1), (3, 8), (1, 1), (3, 8), (1, 1)]):
        inits[f"w{i}"] = (rng.standard_normal((c, c // groups, k, k)) * 0.3).astype(np.float32)
        inits[f"b{i}"] = (rng.standard_normal(c) * 0.1).astype(np.float32)
        nodes.append(helper.make_node("Conv", [x, f"w{i}", f"b{i}"], [f"c{i}"], group=groups, kernel_shape=[k, k],
                                      pads=[k // 2] * 4))
        nodes.append(helper.make_node("Relu", [f"c{i}"], [f"r{i}"]))
        x = f"r{i}"
    model = op_models.model(nodes, {"x": (1, c, 12, 10)}, [x], inits)
    m = _both(model, op_models.feeds_for({"x": (1, c, 12, 10)}, rng), tmp_path)
    assert m.plan.overlaps and m.plan.arena_bytes < m.plan.lower_bound


def test_int8_dw_rows_and_fused_add_same_bytes(tmp_path):
    """int8 (canonical QDQ): a stride-1 depthwise conv run in place by rows and a residual Add fused into a
    conv give the bytes the plain plan gives, with a smaller arena."""
    from onnx import helper

    from backends.c.c_harness import qdq_wrap
    from edgecompile.backends.c import fuse_residual, inplace_rows

    need_backend("c")
    rng = np.random.default_rng(1)
    c, shape = 8, (1, 8, 9, 7)
    inits = {"w0": (rng.standard_normal((c, c, 3, 3)) * 0.3).astype(np.float32),
             "w1": (rng.standard_normal((c, 1, 3, 3)) * 0.5).astype(np.float32),
             "w2": (rng.standard_normal((c, c, 1, 1)) * 0.3).astype(np.float32),
             "w3": (rng.standard_normal((c, c, 3, 3)) * 0.3).astype(np.float32)}
    inits.update({f"b{i}": (rng.standard_normal(c) * 0.1).astype(np.float32) for i in range(4)})
    conv = dict(kernel_shape=[3, 3], pads=[1] * 4)
    nodes = [helper.make_node("Conv", ["x", "w0", "b0"], ["c0"], **conv),
             helper.make_node("Relu", ["c0"], ["r0"]),
             helper.make_node("Conv", ["r0", "w1", "b1"], ["c1"], group=c, **conv),  # r0 dies here: by rows
             helper.make_node("Relu", ["c1"], ["r1"]),
             helper.make_node("Conv", ["r1", "w2", "b2"], ["c2"], kernel_shape=[1, 1]),
             helper.make_node("Relu", ["c2"], ["r2"]),
             helper.make_node("Conv", ["r2", "w3", "b3"], ["c3"], **conv),
             helper.make_node("Add", ["c3", "r1"], ["s"]),  # fused into the last conv, over r1
             helper.make_node("Relu", ["s"], ["y"])]
    for n in nodes:
        n.name = n.output[0]  # qdq_wrap names its constants after the node
    model = op_models.model(nodes, {"x": shape}, ["y"], inits)
    feeds = [op_models.feeds_for({"x": shape}, rng) for _ in range(4)]
    qdq = qdq_wrap(model, feeds)
    plain = CModel(qdq, tmp_path / "plain", overlap=False)
    chosen = CModel(qdq, tmp_path / "chosen", rewrite=True)
    assert chosen.plan.arena_bytes < plain.plan.arena_bytes
    rows = CModel(qdq, tmp_path / "rows", rewrite=inplace_rows.apply)
    fused = CModel(qdq, tmp_path / "fused", rewrite=fuse_residual.fuse)
    assert sum(bool(op.attrs.get("rows")) for op in rows.g.ops) == 1
    assert sum("res" in op.attrs for op in fused.g.ops) == 1
    for f in feeds:
        want = [b.tobytes() for b in plain.run(f)]
        for m in (chosen, rows, fused):
            assert [a.tobytes() for a in m.run(f)] == want
