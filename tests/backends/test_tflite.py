"""TFLite backend: real onnx2tf conversions run by LiteRT, verified against ONNX Runtime.

Conversions are the slow part (a TensorFlow process each, ~5 s): each distinct one happens once
per module through module-scoped builds and the backend's in-process conversion cache.
"""
from __future__ import annotations

import numpy as np
import pytest

from conftest import built_artifacts, mlperf_model, need_backend
from edgecompile.artifact import Artifact


def _build(src, out, precisions, **kw):
    return {a.precision: a for a in built_artifacts(src, out, ["tflite"], precisions, **kw)}


@pytest.fixture(scope="module")
def tflite():
    return need_backend("tflite")


@pytest.fixture(scope="module")
def digits(tflite, digits_cnn, tmp_path_factory):
    """fp32, fp16 and int8 (int8 I/O) artifacts of the digits CNN, default io_layout (nhwc)."""
    return _build(digits_cnn, tmp_path_factory.mktemp("tfl"), ["fp32", "fp16", "int8"], calib="digits")


def _accuracy(art: Artifact) -> float:
    from edgecompile.datasets import digits_split
    from edgecompile.verify import run_batched

    x, y = digits_split("test")
    feeds = [{art.inputs[0].name: x[i:i + 1]} for i in range(len(x))]
    out = run_batched(art.load(), art.inputs, feeds, art.outputs)[art.outputs[0].name]
    return float(np.mean(out.argmax(1) == y))


def test_every_precision_verifies_with_nhwc_io(digits):
    for precision, art in digits.items():
        assert art.manifest["parity"]["passed"], precision
        spec = art.inputs[0]
        assert spec.name == "input" and spec.layout == "NHWC" and spec.shape == (1, 8, 8, 1)
        assert art.manifest["backend_details"]["io_layout"] == "nhwc"
    assert digits["fp32"].manifest["parity"]["max_rel_err"] <= 1e-4
    assert digits["fp32"].inputs[0].dtype == "float32"
    q = digits["int8"].inputs[0]
    assert q.dtype == "int8" and q.scale and q.zero_point is not None
    assert digits["int8"].manifest["backend_details"]["tflite_io"] == "int8"


def test_int8_accuracy_within_one_point_of_fp32(digits):
    fp32, int8 = _accuracy(digits["fp32"]), _accuracy(digits["int8"])
    assert fp32 > 0.9, fp32  # the fixture CNN is trained; otherwise the comparison says nothing
    assert int8 >= fp32 - 0.01, (fp32, int8)


def test_fp16_manifest_has_gpu_delegate_report(digits):
    from edgecompile.backends.tflite.gpu_delegate import gpu_delegate_report

    rep = digits["fp16"].manifest["backend_details"]["gpu_delegate"]
    # Flatten of NCHW -> NHWC needs a TRANSPOSE, which the documented list lacks
    assert rep["cpu_fallback_ops"] == ["TRANSPOSE"] and not rep["fully_delegated"]
    assert rep["gpu_partitions"] == 2 and rep["ops_on_gpu"] == rep["ops_total"] - 1
    assert gpu_delegate_report(digits["fp16"].file("model.tflite")) == rep
    # the fp16 file keeps float16 weights behind DEQUANTIZE ops, which the delegate absorbs
    assert digits["fp16"].manifest["backend_details"]["tflite_ops"]["DEQUANTIZE"] > 0
    assert digits["fp16"].size_bytes() < 0.6 * digits["fp32"].size_bytes()


def test_inspect_extra_names_where_a_fallback_op_came_from(tflite, digits_cnn):
    """The digits CNN has no Transpose: the TRANSPOSE left on the CPU is onnx2tf's layout conversion."""
    import onnx

    from edgecompile.passes.pipeline import normalize

    model = normalize(onnx.load(str(digits_cnn))).model
    (section,) = tflite.inspect_extras(model)
    fallback = section.data["cpu_fallback"]
    assert [f["op"] for f in fallback] == ["TRANSPOSE"] and "layout conversion" in fallback[0]["origin"]
    assert "a layout conversion onnx2tf inserted" in section.lines[0] and section.title.startswith("TFLite GPU")


def test_int8_float_io_variant(digits, digits_cnn, tmp_path):
    arts = _build(digits_cnn, tmp_path, ["int8"], calib="digits", options={"tflite_io": "float"})
    art = arts["int8"]
    assert art.inputs[0].dtype == "float32" and art.inputs[0].scale is None
    assert art.manifest["parity"]["passed"] and art.manifest["backend_details"]["tflite_io"] == "float"
    assert "FULLY_CONNECTED" in art.manifest["backend_details"]["tflite_ops"]


def test_conversion_is_deterministic(digits, digits_cnn, tmp_path):
    """A fresh conversion (cache cleared) of the same graph and data gives the same bytes."""
    from edgecompile.backends.tflite import convert

    convert.clear_cache()
    again = _build(digits_cnn, tmp_path, ["int8"], calib="digits")["int8"]
    for name in ("model.tflite", "manifest.json"):
        assert again.file(name).read_bytes() == digits["int8"].file(name).read_bytes(), name


def test_io_layout_nchw_matches_nhwc(digits, digits_cnn, tmp_path):
    from edgecompile.datasets import digits_split
    from edgecompile.core.tensor import decode

    nchw = _build(digits_cnn, tmp_path, ["fp32"], options={"io_layout": "nchw"})["fp32"]
    nhwc = digits["fp32"]
    assert nchw.inputs[0].layout == "NCHW" and nchw.inputs[0].shape == (1, 1, 8, 8)
    assert nchw.manifest["parity"]["passed"]
    x = digits_split("test")[0][:4]
    for i in range(len(x)):
        a = nchw.load().run({"input": x[i:i + 1]})["output"]  # callers pass NCHW as is
        b = nhwc.load().run({"input": x[i:i + 1].transpose(0, 2, 3, 1).copy()})["output"]
        np.testing.assert_allclose(decode(a, nchw.outputs[0]), decode(b, nhwc.outputs[0]), rtol=1e-5, atol=1e-6)


def test_bad_options_are_usage_errors(tflite, digits_cnn, tmp_path):
    from edgecompile.driver import build

    for options, why in (({"io_layout": "nwhc"}, "io_layout"), ({"tflite_io": "int8"}, "tflite_io=int8")):
        report = build(str(digits_cnn), ["tflite"], ["fp32"], out=tmp_path, force=True, options=options)
        assert not report.ok and why in report.results[0].error


def test_check_names_nodes_onnx2tf_cannot_take(tflite, tiny_onnx):
    import onnx

    model = onnx.load(str(tiny_onnx))
    rep = tflite.check(model)  # dynamic batch: onnx2tf needs it fixed
    assert [u.node_name for u in rep.unsupported] == ["x"]
    model.graph.input[0].type.tensor_type.shape.dim[0].dim_value = 1
    model.graph.node.append(onnx.helper.make_node("Foo", ["y"], ["z"], name="custom", domain="com.example"))
    model.graph.node.append(onnx.helper.make_node("Bar", ["z"], ["w"], name="bar"))
    rep = tflite.check(model)
    assert [(u.op_type, u.node_name) for u in rep.unsupported] == [("Foo", "custom"), ("Bar", "bar")]
    assert "onnx2tf" in rep.unsupported[1].reason


def test_missing_extra_says_how_to_install(monkeypatch):
    import importlib.util

    from edgecompile.backends.tflite.backend import TFLiteBackend

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda n, *a: None if n == "onnx2tf" else real(n, *a))
    ok, why = TFLiteBackend().available()
    assert not ok and "onnx2tf" in why and "pip install 'edgecompile[tflite]'" in why


def test_runner_falls_back_to_tensorflow_interpreter(digits, monkeypatch):
    """Where ai-edge-litert is absent, TensorFlow's interpreter runs the same artifact."""
    import sys

    from edgecompile.backends.tflite import runner

    art = digits["int8"]
    x = np.zeros(art.inputs[0].shape, dtype=np.int8)
    want = art.load().run({"input": x})["output"]
    monkeypatch.setitem(sys.modules, "ai_edge_litert.interpreter", None)  # import now fails
    monkeypatch.setitem(sys.modules, "tflite_runtime.interpreter", None)
    assert runner.interpreter_class()[1] == "tensorflow"
    got = art.load().run({"input": x})["output"]
    np.testing.assert_array_equal(got, want)


# max |artifact - original .tflite| on N(0,1) inputs. The KWS "float32" file stores some weights as
# int8 and runs them with LiteRT's hybrid kernels (activations quantized on the fly); the ONNX
# import dequantizes them to float, so the round trip is closer to float than the original is.
ORIGINAL_ATOL = {"kws_ref_model_float32.tflite": 5e-3, "pretrainedResnet.tflite": 1e-5}


@pytest.mark.parametrize("filename", sorted(ORIGINAL_ATOL))
def test_mlperf_float_round_trip(tflite, filename, tmp_path):
    """.tflite -> ONNX (tf2onnx) -> .tflite (onnx2tf): verifies, keeps the original NHWC interface,
    and computes what the original file computes."""
    from edgecompile.backends.tflite.runner import make_interpreter

    src = mlperf_model(filename)
    art = _build(src, tmp_path, ["fp32"])["fp32"]
    assert art.manifest["parity"]["passed"] and art.manifest["parity"]["max_rel_err"] <= 1e-4
    orig = make_interpreter(src)
    d_in, d_out = orig.get_input_details()[0], orig.get_output_details()[0]
    assert art.inputs[0].shape == tuple(d_in["shape"])
    x = np.random.default_rng(0).standard_normal(d_in["shape"]).astype(np.float32)
    orig.set_tensor(d_in["index"], x)
    orig.invoke()
    got = art.load().run({art.inputs[0].name: x})[art.outputs[0].name]
    np.testing.assert_allclose(got, orig.get_tensor(d_out["index"]), atol=ORIGINAL_ATOL[filename])
