"""Every op the C backend claims, on drawn geometry (hypothesis): the host build (strict flags, -Werror)
against ONNX Runtime, fp32 within 1e-5 relative, int8 (the model quantized as `build -p int8` does)
within one step of ORT's float-simulated QDQ. Every drawn model must pass `check` (the strategies
draw only what the backend claims; what it does not claim, check refuses: test_c_failures.py).

CI runs the `c-ops-ci` profile (a few derandomized examples per op); EDGECOMPILE_HYPOTHESIS=long runs
`c-ops-long` (many more, random) for a local search.
"""
from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import need_backend

from backends.c import op_models
from backends.c.c_harness import CModel, ort_run, qdq_wrap, rel_err

settings.register_profile("c-ops-ci", max_examples=4, deadline=None, derandomize=True, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("c-ops-long", max_examples=25, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
PROFILE = settings.get_profile("c-ops-long" if os.environ.get("EDGECOMPILE_HYPOTHESIS") == "long" else "c-ops-ci")

INT8_OPS = [op for op in op_models.ALL if op not in ("Sub", "Mul", "Div", "Max", "Min")]


def _checked(model, precision="fp32") -> bool:
    from edgecompile.backends.c.backend import CBackend

    report = CBackend().check(model, precision)
    for u in report.unsupported:
        assert u.reason, u  # a refusal says why
    return not report.unsupported


@pytest.fixture(scope="module")
def c_backend():
    return need_backend("c")


@pytest.mark.parametrize("op", op_models.ALL)
def test_fp32_op_matches_onnxruntime(op, c_backend, tmp_path_factory):
    @PROFILE
    @given(drawn=op_models.single_op(op))
    def prop(drawn):
        model, feeds = drawn
        assert _checked(model), op  # every drawn geometry is one the backend claims
        c = CModel(model, tmp_path_factory.mktemp(op))
        refs = ort_run(model, feeds)
        for got, ref in zip(c.run(feeds), refs):
            assert got.shape == ref.shape
            assert rel_err(got, ref) <= 1e-5, (op, rel_err(got, ref))

    prop()


@pytest.mark.parametrize("op", INT8_OPS)
def test_int8_op_within_one_step_of_onnxruntime_qdq(op, c_backend, tmp_path_factory):
    """The op in canonical QDQ form (as an int8 .tflite imports) against ORT's float simulation of it."""

    @PROFILE
    @given(drawn=op_models.single_op(op), seed=st.integers(0, 1000))
    def prop(drawn, seed):
        model, feeds = drawn
        rng = np.random.default_rng(seed)
        calib = [feeds] + [{k: rng.standard_normal(v.shape).astype(np.float32) for k, v in feeds.items()} for _ in range(3)]
        if op == "Sqrt":
            calib = [{k: np.abs(v) + np.float32(0.1) for k, v in f.items()} for f in calib]
        qdq = qdq_wrap(model, calib)
        assert _checked(qdq, "int8"), op
        c = CModel(qdq, tmp_path_factory.mktemp(op))
        refs = ort_run(qdq, feeds, float_qdq=True)
        for i, (got, ref) in enumerate(zip(c.run(feeds), refs)):
            assert got.dtype == np.int8
            d = np.abs(got.astype(np.int64) - c.quantized(i, ref))
            assert int(d.max(initial=0)) <= 1, (op, int(d.max()))

    prop()
