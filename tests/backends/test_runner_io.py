"""Every runner checks feeds cheaply and strictly: wrong name, rank or dtype is an InputError (issue 10)."""
from __future__ import annotations

import numpy as np
import pytest

from conftest import built_artifacts, need_backend

# tflite's runner is checked on the int8 KWS artifact in tests/test_int8_models.py (no onnx2tf run needed)
BACKENDS = ["onnxruntime", "openvino", "tvm", "c"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_run_refuses_what_the_artifact_does_not_take(backend, tiny_onnx, tmp_path):
    from edgecompile.errors import InputError

    need_backend(backend)
    opts = {"threads": 1} if backend != "c" else None  # c has no runtime threads
    (art,) = built_artifacts(tiny_onnx, tmp_path, [backend], ["fp32"], options=opts)
    runner = art.load()
    s = art.inputs[0]
    x = np.zeros(s.shape, s.dtype)
    out = runner.run({s.name: x})
    assert set(out) == {o.name for o in art.outputs}
    with pytest.raises(InputError, match="missing"):
        runner.run({"not_an_input": x})
    with pytest.raises(InputError, match="is float64"):
        runner.run({s.name: x.astype(np.float64)})  # never a silent cast
    with pytest.raises(InputError, match=r"is float32 \("):
        runner.run({s.name: x[0]})  # wrong rank
    with pytest.raises(InputError, match="numpy array"):
        runner.run({s.name: x.tolist()})


def test_float_to_int8_input_needs_quantize_inputs(tiny_onnx, tmp_path):
    from edgecompile.errors import InputError

    (art,) = built_artifacts(tiny_onnx, tmp_path, ["c"], ["int8"], calib="random")
    runner = art.load()
    s = art.inputs[0]
    assert s.dtype == "int8" and s.scale is not None
    x = np.random.default_rng(0).standard_normal(s.shape).astype(np.float32)
    with pytest.raises(InputError, match="quantize_inputs"):
        runner.run({s.name: x})
    q = runner.quantize_inputs({s.name: x})
    assert q[s.name].dtype == np.int8
    np.testing.assert_allclose((q[s.name].astype(np.float32) - s.zero_point) * s.scale, x, atol=s.scale / 2 + 1e-6)
    y = runner.dequantize_outputs(runner.run(q))
    assert next(iter(y.values())).dtype == np.float32
