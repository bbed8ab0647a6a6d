"""Failures stay one target's failure, as typed errors with the compiler's first error line: C that does not
compile, a missing cross compiler, an unknown -mcpu; limits of the C types refused at lowering; batches
above 1 computed, not truncated; a dense-only model builds (no unused helper)."""
from __future__ import annotations

import os
import shutil

import numpy as np
import pytest

from conftest import need_backend, need_tool


def test_generated_c_that_does_not_compile_is_a_toolchain_error(tmp_path):
    from edgecompile.backends.c.runner import build_shared
    from edgecompile.errors import ToolchainError

    need_tool("gcc")
    (tmp_path / "model.h").write_text("")
    (tmp_path / "model.c").write_text("int f(void) { return undeclared_thing; }\n" + "/* padding */\n" * 200)
    with pytest.raises(ToolchainError) as e:
        build_shared(tmp_path)
    msg = str(e.value)
    assert "undeclared_thing" in msg and "error" in msg and len(msg) < 500


def _dense_model(path):
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)
    nodes = [helper.make_node("Gemm", ["x", "w1", "b1"], ["h"], name="fc1", transB=1),
             helper.make_node("Relu", ["h"], ["r"], name="relu"),
             helper.make_node("Gemm", ["r", "w2"], ["y"], name="fc2", transB=1)]
    inits = [numpy_helper.from_array(rng.standard_normal((16, 12)).astype(np.float32), "w1"),
             numpy_helper.from_array(rng.standard_normal(16).astype(np.float32), "b1"),
             numpy_helper.from_array(rng.standard_normal((5, 16)).astype(np.float32), "w2")]
    g = helper.make_graph(nodes, "dense", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 12])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 5])], inits)
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    return path


def test_missing_cross_compiler_fails_that_target_only(tmp_path, monkeypatch):
    from edgecompile.driver import build

    need_backend("c")
    model = _dense_model(tmp_path / "dense.onnx")
    bare = tmp_path / "bin"
    bare.mkdir()
    for tool in ("gcc", "cc", "size", "as", "ld"):  # the host toolchain, without arm-none-eabi-*
        if shutil.which(tool):
            os.symlink(shutil.which(tool), bare / tool)
    monkeypatch.setenv("PATH", str(bare))
    report = build(str(model), ["c", "cortex-m4"], ["int8"], calib="random", out=tmp_path / "out", force=True)
    by = {r.target: r for r in report.results}
    assert by["c"].ok, by["c"].error
    assert not by["cortex-m4"].ok and "arm-none-eabi-gcc" in by["cortex-m4"].error and "not on PATH" in by["cortex-m4"].error


def test_unknown_mcpu_is_one_line(tmp_path):
    from edgecompile.driver import build

    need_backend("c")
    need_tool("arm-none-eabi-gcc")
    model = _dense_model(tmp_path / "dense.onnx")
    r = build(str(model), ["cortex-m4"], ["fp32"], out=tmp_path / "out", force=True,
              options={"mcpu": "cortex-m99"}).results[0]
    assert not r.ok and "cortex-m99" in r.error and len(r.error) < 500  # not gcc's list of every CPU


def test_dense_only_int8_model_builds_and_matches(tmp_path):
    """The issue's first report: a model without convolutions defined a fixed-point helper it never called."""
    from conftest import built_artifacts

    need_backend("c")
    model = _dense_model(tmp_path / "dense.onnx")
    art, = built_artifacts(model, tmp_path / "out", ["c"], ["int8"], calib="random")
    assert art.manifest["parity"]["cosine"] >= 0.99


def test_geometry_beyond_int16_is_refused_at_lowering():
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    from edgecompile.backends.c.backend import CBackend

    w = numpy_helper.from_array(np.ones((1, 1, 1, 1), np.float32), "w")
    g = helper.make_graph([helper.make_node("Conv", ["x", "w"], ["y"], name="wide_conv")], "wide",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 1, 40000])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 1, 1, 40000])], [w])
    report = CBackend().check(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]))
    reasons = " ".join(u.reason for u in report.unsupported)
    assert "wide_conv" in reasons and "int16_t" in reasons and "40000" in reasons
    assert onnx  # the model is only checked, never compiled


@pytest.mark.parametrize("precision", ["fp32", "int8"])
def test_batch_above_one(tiny_onnx, precision, tmp_path):
    """--input-shape x=4x...: every image computed (the issue measured cosine 0.70 before)."""
    import onnxruntime as ort

    from conftest import built_artifacts

    need_backend("c")
    art, = built_artifacts(tiny_onnx, tmp_path, ["c"], [precision], calib="random", input_shapes={"x": [4, 1, 8, 8]})
    x = np.random.default_rng(2).standard_normal((4, 1, 8, 8)).astype(np.float32)
    got = art.load().run({"x": x if precision == "fp32" else _quant(x, art.inputs[0])})["y"]
    ref = ort.InferenceSession(str(tiny_onnx), providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]
    if precision == "int8":
        got = (got.astype(np.float32) - art.outputs[0].zero_point) * art.outputs[0].scale
        cos = [float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b))) for a, b in zip(got, ref)]
        assert min(cos) > 0.98, cos
    else:
        assert np.max(np.abs(got - ref)) <= 1e-4 * np.max(np.abs(ref))


def _quant(x, spec):
    return np.clip(np.round(x / spec.scale) + spec.zero_point, -128, 127).astype(np.int8)
