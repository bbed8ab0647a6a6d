"""Core ML: real coremltools conversions on Linux. Predictions need macOS, so what is checked is the
ONNX -> PyTorch step against ONNX Runtime and the saved package (spec, interface, ops, weights)."""
from __future__ import annotations

import pytest

from conftest import built_artifacts, need_backend


@pytest.fixture(scope="module")
def packages(digits_cnn, tmp_path_factory):
    need_backend("coreml")
    arts = built_artifacts(digits_cnn, tmp_path_factory.mktemp("coreml"), ["ios-coreml"], ["fp16", "int8"],
                           calib="digits")
    return {a.precision: a for a in arts}


def test_package_spec_matches_the_manifest(packages):
    for precision, art in packages.items():
        d = art.manifest["backend_details"]
        assert d["onnx_to_torch_parity"]["passed"] and d["onnx_to_torch_parity"]["max_abs_err"] <= 1e-5
        spec = d["spec"]
        assert spec["loads"] and spec["interface_matches_manifest"] and spec["opset"] == "CoreML6"
        assert spec["ops"]["conv"] == 3 and spec["ops"]["linear"] >= 1
        assert (d["compute_units"], d["deployment_target"]) == ("CPU_AND_NE", "iOS16")
        assert art.manifest["inputs"] == [{"name": "input", "shape": [1, 1, 8, 8], "dtype": "float32", "layout": "NCHW"}]
        assert all(f.startswith("model.mlpackage/") for f in art.manifest["files"])
        assert art.manifest["parity"]["passed"] is None and "macOS" in art.manifest["parity"]["skipped"]


def test_int8_compresses_weights(packages):
    fp16, int8 = (packages[p].manifest["backend_details"] for p in ("fp16", "int8"))
    assert int8["spec"]["ops"].get("constexpr_affine_dequantize", 0) >= 3  # both convs and the dense layer
    assert int8["spec"]["weight_bytes"] < 0.6 * fp16["spec"]["weight_bytes"]
    assert "macOS" in int8["int8"]["activations"]  # said plainly why activations stay float here


def test_same_inputs_same_bytes(packages, digits_cnn, tmp_path):
    (again,) = built_artifacts(digits_cnn, tmp_path, ["ios-coreml"], ["fp16"])
    assert again.manifest["files"] == packages["fp16"].manifest["files"]


@pytest.mark.parametrize("model", ["kws_ref_model_float32.tflite", "pretrainedResnet.tflite"])
def test_converter_matches_onnx_runtime_on_mlperf_models(mlperf_onnx, model):
    need_backend("coreml")
    import onnx

    from edgecompile.backends.coreml.onnx_to_torch import convert, unsupported
    from edgecompile.core.graph import seeded_inputs
    from edgecompile.passes.pipeline import normalize

    graph = normalize(onnx.load(str(mlperf_onnx(model)))).model
    assert unsupported(graph) == []
    *_, block = convert(graph, seeded_inputs(graph, 8))
    assert block["passed"] and block["max_abs_err"] <= 1e-5


def test_converter_check_catches_a_wrong_op(digits_cnn, monkeypatch):
    """The parity check is real: a converter op that computes the wrong thing is refused."""
    need_backend("coreml")
    import onnx

    from edgecompile.backends.coreml import torch_ops
    from edgecompile.backends.coreml.onnx_to_torch import convert
    from edgecompile.errors import ToleranceError
    from edgecompile.core.graph import seeded_inputs

    model = onnx.load(str(digits_cnn))
    monkeypatch.setitem(torch_ops.OPS, "Relu", lambda node, t: [t[0]])
    with pytest.raises(ToleranceError, match="differs from ONNX Runtime"):
        convert(model, seeded_inputs(model, 4))


def test_unsupported_op_is_named_before_conversion(tmp_path):
    need_backend("coreml")
    import onnx
    from onnx import TensorProto, helper

    from edgecompile.driver import build

    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["r"], name="relu"), helper.make_node("Erf", ["r"], ["y"], name="the_erf")],
        "erf", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])])
    src = tmp_path / "erf.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(src))
    report = build(str(src), ["coreml", "onnxruntime"], ["fp16"], out=tmp_path / "out")
    by = {r.target: r for r in report.results}
    assert "Erf (the_erf)" in by["coreml"].error and "converter for Core ML has no Erf" in by["coreml"].error
    assert by["onnxruntime"].ok
    (section,) = need_backend("coreml").inspect_extras(onnx.load(str(src)))
    assert section.data["nodes_taken"] == 1 and section.data["unsupported"][0]["node"] == "the_erf"


def test_inspect_says_which_apple_path_takes_more():
    from edgecompile.inspection import apple_paths

    coreml = {"nodes_total": 24, "nodes_taken": 24}
    delegate = {"ops_total": 16, "ops_on_gpu": 15, "gpu_partitions": 1}
    assert apple_paths({"coreml": coreml, "gpu_delegate": delegate})["data"]["takes_more"] == "Core ML"
    partial = {"nodes_total": 24, "nodes_taken": 12}
    assert apple_paths({"coreml": partial, "gpu_delegate": delegate})["data"]["takes_more"] == \
        "the TFLite Metal delegate"
    assert apple_paths({"coreml": coreml}) is None  # no TFLite here: nothing to compare
