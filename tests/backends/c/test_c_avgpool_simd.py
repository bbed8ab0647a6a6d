"""avgpool_s8_simd (kernels/avgpool_s8_simd.c) on the emulated Cortex-M4 gives the host build's bytes (the host runs
ec_avgpool_s8): a global pool over more than 256 taps (int16 lanes emptied row by row), and strided windows."""
from __future__ import annotations

import numpy as np
import pytest

from backends.c import op_models
from backends.c.c_harness import qdq_wrap
from backends.c.test_c_simd_kernels import _m4_equals_host, tools  # noqa: F401  (the fixture)


@pytest.mark.parametrize("op, shape, attrs", [
    ("GlobalAveragePool", (1, 8, 20, 17), {}),  # 340 taps a window
    ("AveragePool", (1, 4, 9, 7), {"kernel_shape": [3, 2], "strides": [2, 1]}),
    ("GlobalAveragePool", (1, 12, 5, 5), {}),
])
def test_avgpool_simd_exact(op, shape, attrs, tools, tmp_path):  # noqa: F811
    from onnx import helper

    rng = np.random.default_rng(7)
    model = op_models.model([helper.make_node(op, ["x"], ["y"], name="pool0", **attrs)], {"x": shape}, ["y"])
    x = (rng.standard_normal(shape) * 2).astype(np.float32)
    kernels = _m4_equals_host(qdq_wrap(model, [{"x": x}]), x, tmp_path)
    assert "avgpool_s8_simd" in kernels, kernels
