"""The TFLite frontend (tf2onnx): layout handling, the channels-last mark, quietness, errors."""
from __future__ import annotations

import numpy as np
import pytest

from conftest import mlperf_model, need

KWS = "kws_ref_model_float32.tflite"


@pytest.fixture(scope="module")
def tf2onnx_ok():
    import importlib.util

    need("tflite", importlib.util.find_spec("tf2onnx") is not None, "pip install 'edgecompile[tflite]'")


def _shape(model):
    return [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim]


def _ort(model, x):
    import onnxruntime as ort

    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return sess.run(None, {sess.get_inputs()[0].name: x})[0]


def _original(path, x):
    from edgecompile.backends.tflite.runner import make_interpreter

    it = make_interpreter(path)
    it.set_tensor(it.get_input_details()[0]["index"], x)
    it.invoke()
    return it.get_tensor(it.get_output_details()[0]["index"])


def test_default_keeps_nhwc_and_marks_it(tf2onnx_ok, capfd):
    from edgecompile.core.graph import CHANNELS_LAST_KEY
    from edgecompile.frontends.tflite import load

    src = mlperf_model(KWS)
    loaded = load(src, None, {})
    assert loaded.kind == "tflite" and _shape(loaded.model)[1:] == [49, 10, 1]
    props = {p.key: p.value for p in loaded.model.metadata_props}
    assert props[CHANNELS_LAST_KEY] == "input_1"
    assert "keep TFLite's NHWC layout" in loaded.notes[0]
    assert "XNNPACK" not in capfd.readouterr().err  # TensorFlow's native chatter stays hidden
    x = np.random.default_rng(0).standard_normal((1, 49, 10, 1)).astype(np.float32)
    # the original runs hybrid int8-weight kernels; the import dequantizes them (see README facts)
    np.testing.assert_allclose(_ort(loaded.model, x), _original(src, x), atol=5e-3)


def test_nchw_option_transposes_the_boundary(tf2onnx_ok):
    from edgecompile.core.graph import CHANNELS_LAST_KEY
    from edgecompile.frontends.tflite import load

    src = mlperf_model("pretrainedResnet.tflite")
    nhwc, nchw = load(src, None, {}), load(src, None, {}, nchw=True)
    assert _shape(nchw.model)[1:] == [3, 32, 32] and _shape(nhwc.model)[1:] == [32, 32, 3]
    assert CHANNELS_LAST_KEY not in {p.key for p in nchw.model.metadata_props}
    assert "Transpose" not in {n.op_type for n in nchw.model.graph.node}  # the transposes cancelled
    x = np.random.default_rng(0).standard_normal((1, 32, 32, 3)).astype(np.float32)
    np.testing.assert_allclose(_ort(nchw.model, x.transpose(0, 3, 1, 2).copy()), _ort(nhwc.model, x), atol=1e-6)
    np.testing.assert_allclose(_ort(nhwc.model, x), _original(src, x), atol=1e-5)


def test_rejects_non_tflite_and_weights(tmp_path):
    from edgecompile.errors import ModelLoadError, UsageError
    from edgecompile.frontends.tflite import load

    bad = tmp_path / "m.tflite"
    bad.write_bytes(b"\x00" * 64)
    with pytest.raises(ModelLoadError, match="TFL3"):
        load(bad, None, {})
    with pytest.raises(UsageError, match="--weights"):
        load(bad, "w.pt", {})
