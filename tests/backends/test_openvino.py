"""OpenVINO backend: real IR conversions run on the CPU plugin, verified against ONNX Runtime."""
from __future__ import annotations

import numpy as np
import pytest

from conftest import built_artifacts, need_backend
from edgecompile.artifact import Artifact


def _build(src, out, targets, precisions, **kw):
    return {a.precision: a for a in built_artifacts(src, out, targets, precisions, **kw)}


@pytest.fixture(scope="module")
def ov():
    return need_backend("openvino")


@pytest.fixture(scope="module")
def digits(ov, digits_cnn, tmp_path_factory):
    return _build(digits_cnn, tmp_path_factory.mktemp("ov"), ["intel-cpu"], ["fp32", "fp16", "int8"], calib="digits")


def _accuracy(art: Artifact) -> float:
    from edgecompile.datasets import digits_split
    from edgecompile.verify import run_batched

    x, y = digits_split("test")
    feeds = [{art.inputs[0].name: x[i:i + 1]} for i in range(len(x))]
    out = run_batched(art.load(), art.inputs, feeds, art.outputs)[art.outputs[0].name]
    return float(np.mean(out.argmax(1) == y))


def test_ir_files_and_parity(digits):
    for precision, art in digits.items():
        assert set(art.manifest["files"]) == {"model.xml", "model.bin"}, precision
        assert art.manifest["parity"]["passed"], precision
        assert art.inputs[0].name == "input" and art.inputs[0].shape == (1, 1, 8, 8)
    assert digits["fp32"].manifest["parity"]["max_rel_err"] <= 1e-4
    # fp16 stores compressed weights: the .bin shrinks to about half
    fp32_bin = digits["fp32"].file("model.bin").stat().st_size
    assert digits["fp16"].file("model.bin").stat().st_size < 0.6 * fp32_bin


def test_fp32_runs_in_f32_with_latency_hint(digits):
    runner = digits["fp32"].load()
    assert runner.inference_precision == "f32"  # bf16-capable CPUs would otherwise default to bf16
    assert str(runner.compiled.get_property("PERFORMANCE_HINT")).endswith("LATENCY")


def test_int8_uses_u8_qdq_from_the_range_table_and_keeps_accuracy(digits):
    details = digits["int8"].manifest["backend_details"]
    assert details["int8_method"] == "qdq" and "range table" in details["int8_ranges"]
    fp32, int8 = _accuracy(digits["fp32"]), _accuracy(digits["int8"])
    assert fp32 > 0.9, fp32  # trained fixture, or the comparison says nothing
    assert int8 >= fp32 - 0.015, (fp32, int8)


def test_nncf_flavor_selectable(ov, digits_cnn, tmp_path):
    arts = _build(digits_cnn, tmp_path, ["intel-cpu"], ["int8"], calib="digits", calib_samples=64,
                  options={"int8_method": "nncf"})
    details = arts["int8"].manifest["backend_details"]
    assert details["int8_method"] == "nncf" and "nncf" in arts["int8"].manifest["tool_versions"]
    assert _accuracy(arts["int8"]) > 0.9


def test_throughput_profile_sets_the_hint(ov, digits_cnn, tmp_path):
    art = _build(digits_cnn, tmp_path, ["intel-cpu-throughput"], ["fp32"])["fp32"]
    assert art.manifest["backend_details"]["runtime_config"]["PERFORMANCE_HINT"] == "THROUGHPUT"
    assert str(art.load().compiled.get_property("PERFORMANCE_HINT")).endswith("THROUGHPUT")


def test_bad_option_is_a_usage_error(ov, digits_cnn, tmp_path):
    from edgecompile.driver import build

    report = build(str(digits_cnn), ["intel-cpu"], ["fp32"], out=tmp_path, options={"performance_hint": "FAST"})
    assert "option 'performance_hint' is 'FAST'; choose LATENCY" in report.results[0].error


def test_check_names_the_node_it_cannot_convert(ov, tmp_path):
    import onnx
    from onnx import TensorProto, helper

    nodes = [helper.make_node("Relu", ["x"], ["a"], name="r1"),
             helper.make_node("Foo", ["a"], ["b"], name="custom_foo", domain="com.example"),
             helper.make_node("Relu", ["b"], ["y"], name="r2")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid("com.example", 1)])
    report = ov.check(model)
    assert not report.ok
    assert [(u.op_type, u.node_name) for u in report.unsupported] == [("com.example::Foo", "custom_foo")]
    assert ov.check(onnx.load(str(_digits_like(tmp_path)))).ok


def _digits_like(tmp_path):
    """A plain Conv-Relu-Gemm graph: everything in it converts and runs on the CPU plugin."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)
    init = [numpy_helper.from_array(rng.standard_normal((2, 1, 3, 3)).astype(np.float32), "w"),
            numpy_helper.from_array(rng.standard_normal((3, 72)).astype(np.float32), "fc"),
            numpy_helper.from_array(np.array([1, 72], dtype=np.int64), "shape")]
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], name="conv", pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c"], ["r"], name="relu"),
             helper.make_node("Reshape", ["r", "shape"], ["f"], name="flat"),
             helper.make_node("Gemm", ["f", "fc"], ["y"], name="fc", transB=1)]
    graph = helper.make_graph(nodes, "ok", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 6, 6])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3])], init)
    path = tmp_path / "ok.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), str(path))
    return path
