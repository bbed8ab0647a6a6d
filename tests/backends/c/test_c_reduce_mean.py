"""A spatial ReduceMean with keepdims=0 (PyTorch's `x.mean((2, 3))` before a classifier) builds for the C
backend in fp32 and int8, batch 1 and 2: pooled to (N, 1, 1, C) and read as (N, C) through a view. The
build verifies each artifact against ONNX Runtime; the int8 one also runs on the emulated Cortex-M4 and
gives the host's bytes."""
from __future__ import annotations

import numpy as np
import pytest

from backends.c import op_models
from backends.c.c_harness import qdq_wrap
from backends.c.test_c_simd_kernels import _m4_equals_host, tools  # noqa: F401  (the fixture)
from conftest import need_backend


def _head(batch: int):
    from onnx import helper

    rng = np.random.default_rng(batch)
    inits = {"w": (rng.standard_normal((8, 4, 3, 3)) * 0.3).astype(np.float32),
             "b": (rng.standard_normal(8) * 0.1).astype(np.float32),
             "fc": (rng.standard_normal((8, 5)) * 0.3).astype(np.float32)}
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["c"], name="conv", pads=[1] * 4),
             helper.make_node("Relu", ["c"], ["r"], name="relu"),
             helper.make_node("ReduceMean", ["r"], ["m"], name="mean", axes=[2, 3], keepdims=0),
             helper.make_node("MatMul", ["m", "fc"], ["y"], name="fc")]
    shape = (batch, 4, 6, 5)
    return op_models.model(nodes, {"x": shape}, ["y"], inits), [op_models.feeds_for({"x": shape}, rng) for _ in range(3)]


@pytest.mark.parametrize("batch", [1, 2])
@pytest.mark.parametrize("precision", ["fp32", "int8"])
def test_reduce_mean_without_kept_dims_builds_and_verifies(batch, precision, tmp_path):
    import onnx

    from edgecompile.driver import build

    need_backend("c")
    model, _ = _head(batch)
    onnx.save(model, str(tmp_path / "m.onnx"))
    r = build(str(tmp_path / "m.onnx"), ["c"], [precision], calib="random", out=tmp_path / "out", force=True).results[0]
    assert r.ok, r.error
    assert r.parity["passed"]


def test_reduce_mean_without_kept_dims_on_cortex_m4(tools, tmp_path):  # noqa: F811
    model, feeds = _head(2)
    kernels = _m4_equals_host(qdq_wrap(model, feeds), feeds[0]["x"], tmp_path)
    assert any(k.startswith("avgpool_s8") for k in kernels), kernels
