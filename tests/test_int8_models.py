"""Already-quantized models build int8 on every backend with int8, from their own scales (issue 10)."""
from __future__ import annotations

import numpy as np
import pytest

from conftest import mlperf_model, need_backend

KWS_INT8 = "kws_ref_model.tflite"


@pytest.fixture(scope="module")
def kws_int8(tmp_path_factory):
    """KWS int8 built with no --precision and no --calib: the default follows the model."""
    need_backend("tflite")
    need_backend("openvino")
    from edgecompile.driver import build

    src = mlperf_model(KWS_INT8)
    report = build(str(src), ["tflite", "openvino", "onnxruntime", "c"], out=tmp_path_factory.mktemp("kws8"))
    return src, {r.backend: r for r in report.results}


def test_every_int8_backend_builds_and_verifies_without_calibration(kws_int8):
    _, results = kws_int8
    for backend, r in results.items():
        assert r.ok, f"{backend}: {r.error}"
        assert r.precision == "int8"
        assert r.parity["passed"]


def test_tflite_keeps_the_original_kernels_bit_for_bit(kws_int8):
    """The artifact is the source flatbuffer, at most rewritten for XNNPACK: the same int8 outputs exactly."""
    from edgecompile.backends.tflite.rewrite.pipeline import run_seeded

    src, results = kws_int8
    feeds, want = run_seeded(src.read_bytes())
    _, got = run_seeded((results["tflite"].path / "model.tflite").read_bytes(), feeds)
    assert all(np.array_equal(a[0], b[0]) for a, b in zip(want, got))


def test_int8_io_carries_the_model_scales_on_every_backend(kws_int8):
    import edgecompile

    _, results = kws_int8
    specs = {b: edgecompile.load(r.path).inputs[0] for b, r in results.items()}
    scales = {(s.scale, s.zero_point) for s in specs.values()}
    assert len(scales) == 1 and None not in next(iter(scales))


def test_runners_agree_through_quantize_helpers(kws_int8):
    import edgecompile

    _, results = kws_int8
    x = np.random.default_rng(0).uniform(-20, 20, (1, 49, 10, 1)).astype(np.float32)
    outs = {}
    for backend, r in results.items():
        runner = edgecompile.load(r.path)
        y = runner.dequantize_outputs(runner.run(runner.quantize_inputs({"input_1": x})))
        outs[backend] = next(iter(y.values()))
        assert outs[backend].dtype == np.float32
    # tflite (its own kernels), openvino (u8 shifted) and onnxruntime (QDQ) agree to a couple of LSB
    for backend, y in outs.items():
        assert np.max(np.abs(y - outs["tflite"])) <= 2 / 256 + 1e-6, backend


def test_runners_refuse_float_or_misshapen_int8_feeds(kws_int8):
    import edgecompile
    from edgecompile.errors import InputError

    _, results = kws_int8
    for backend, r in results.items():
        runner = edgecompile.load(r.path)
        x = np.zeros((1, 49, 10, 1), np.float32)
        with pytest.raises(InputError, match="quantize_inputs"):
            runner.run({"input_1": x})
        with pytest.raises(InputError, match="int8"):
            runner.run({"input_1": x[0].astype(np.int8)})
