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
