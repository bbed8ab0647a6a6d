"""TensorRT backend. No NVIDIA GPU here: the portable part is built for real and its model.onnx checked
with ONNX Runtime (the stand-in); the device part runs only where `tensorrt` and a GPU exist
(tests/gpu/run.sh)."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from conftest import built_artifacts, need


@pytest.fixture(scope="module")
def portable(digits_cnn, tmp_path_factory):
    arts = built_artifacts(digits_cnn, tmp_path_factory.mktemp("trt"), ["tensorrt"], ["fp32", "fp16", "int8"],
                           calib="digits")
    return {a.precision: a for a in arts}


def _inits(model):
    from onnx import numpy_helper

    return {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}


def test_portable_part_is_verified_with_the_stand_in(portable):
    for precision, art in portable.items():
        assert sorted(art.manifest["files"]) == ["build_engine.py", "engine_config.json", "model.onnx"]
        details = art.manifest["backend_details"]
        assert details["engine"] == "not built (no NVIDIA GPU here)"
        assert details["stand_in_parity"]["passed"], precision
        assert art.manifest["parity"]["passed"] is None and "device-build" in art.manifest["parity"]["skipped"]
        cfg = json.loads(art.file("engine_config.json").read_text())
        assert cfg["flags"] == {"fp32": [], "fp16": ["FP16"], "int8": ["INT8"]}[precision]
        assert cfg["workspace_bytes"] == 1024 << 20 and cfg["profile"] is None  # fixed batch: no profile
    assert portable["fp32"].manifest["backend_details"]["stand_in_parity"]["max_rel_err"] <= 1e-6  # same graph
    assert portable["fp16"].manifest["backend_details"]["stand_in_parity"]["max_rel_err"] > 1e-6  # really half


def test_fp16_graph_computes_in_half(portable):
    import onnx

    model = onnx.load(str(portable["fp16"].file("model.onnx")))
    floats = [a for a in _inits(model).values() if a.dtype.kind == "f"]
    assert floats and all(a.dtype == np.float16 for a in floats)
    assert model.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.FLOAT  # float32 I/O for callers


def test_int8_is_explicit_symmetric_qdq(portable):
    """What TensorRT's explicit quantization takes: zero point 0 everywhere, s8, per-channel weights, float biases."""
    import onnx

    model = onnx.load(str(portable["int8"].file("model.onnx")))
    inits = _inits(model)
    qdq = [n for n in model.graph.node if n.op_type in ("QuantizeLinear", "DequantizeLinear")]
    assert qdq
    for n in qdq:
        zp = inits[n.input[2]]
        assert zp.dtype == np.int8 and not zp.any(), n.name
    weight_dq = [n for n in qdq if n.op_type == "DequantizeLinear" and n.input[0] in inits]
    assert weight_dq and all(inits[n.input[0]].dtype == np.int8 for n in weight_dq)  # no int32 biases
    assert any(inits[n.input[1]].size > 1 for n in weight_dq)  # per output channel
    convs = [n for n in model.graph.node if n.op_type in ("Conv", "Gemm") and len(n.input) > 2]
    assert convs and all(inits[n.input[2]].dtype == np.float32 for n in convs)
    flavor = portable["int8"].manifest["quantization"]["flavor"]
    assert flavor["symmetric"] and flavor["float_bias"] and flavor["activations"] == "s8"


def test_dynamic_batch_gets_an_optimization_profile(digits_cnn, tmp_path):
    import onnxruntime as ort

    (art,) = built_artifacts(digits_cnn, tmp_path, ["datacenter-gpu"], ["fp32"])
    cfg = json.loads(art.file("engine_config.json").read_text())
    assert cfg["profile"] == {"input": [[1, 1, 8, 8], [8, 1, 8, 8], [64, 1, 8, 8]]}
    assert cfg["workspace_bytes"] == 4096 << 20
    assert art.manifest["inputs"][0]["shape"] == [-1, 1, 8, 8]
    sess = ort.InferenceSession(str(art.file("model.onnx")), providers=["CPUExecutionProvider"])
    x = np.random.default_rng(3).random((5, 1, 8, 8), dtype=np.float32)
    batched = sess.run(None, {"input": x})[0]
    one_by_one = np.concatenate([sess.run(None, {"input": x[i:i + 1]})[0] for i in range(5)])
    np.testing.assert_allclose(batched, one_by_one, atol=1e-5)


def test_unsupported_op_is_named_before_conversion_and_others_still_build(tmp_path):
    import onnx
    from onnx import TensorProto, helper

    from edgecompile.driver import build

    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["r"], name="relu"), helper.make_node("Det", ["r"], ["y"], name="the_det")],
        "det", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])])
    src = tmp_path / "det.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(src))
    report = build(str(src), ["tensorrt", "onnxruntime"], ["fp32"], out=tmp_path / "out")
    by = {r.target: r for r in report.results}
    assert "Det (the_det)" in by["tensorrt"].error and "no importer" in by["tensorrt"].error
    assert by["onnxruntime"].ok


def test_engine_from_another_machine_is_a_clear_error(portable, tmp_path):
    import hashlib
    import shutil

    from edgecompile.artifact import Artifact
    from edgecompile.errors import CannotRunHereError, EngineMismatchError

    folder = tmp_path / "copied"
    shutil.copytree(portable["fp16"].path, folder)
    engine = b"engine bytes built on another machine"
    (folder / "model.engine").write_bytes(engine)
    info = {"gpu": "NVIDIA A100-SXM4-80GB", "compute_capability": "8.0", "tensorrt": "10.3.0",
            "engine_sha256": hashlib.sha256(engine).hexdigest()}
    (folder / "engine_info.json").write_text(json.dumps(info))
    with pytest.raises(CannotRunHereError, match="NVIDIA A100-SXM4-80GB .compute 8.0., TensorRT 10.3.0"):
        Artifact.open(folder).load()
    (folder / "model.engine").write_bytes(b"another engine dropped in beside the old info")
    with pytest.raises(EngineMismatchError, match="not the engine engine_info.json describes"):
        Artifact.open(folder).load()


def test_device_build_without_gpu_says_why(portable):
    out = subprocess.run([sys.executable, "-m", "edgecompile", "device-build", str(portable["fp32"].path)],
                         capture_output=True, text=True)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert "tensorrt" in out.stderr.lower()
    script = subprocess.run([sys.executable, "build_engine.py"], cwd=portable["fp32"].path, capture_output=True,
                            text=True)
    assert script.returncode == 1 and "Traceback" not in script.stderr
    assert "tensorrt" in script.stderr or "GPU" in script.stderr


def test_device_part_on_a_gpu(portable, tmp_path):
    """Runs only on a machine with TensorRT and an NVIDIA GPU: engine, parity, recorded device."""
    import shutil

    from edgecompile.artifact import Artifact
    from edgecompile.backends.tensorrt.build_engine import gpu_identity

    try:
        import tensorrt  # noqa: F401
        have = gpu_identity() is not None
    except ImportError:
        have = False
    need("tensorrt-gpu", have, "needs the tensorrt package and an NVIDIA GPU (run tests/gpu/run.sh there)")
    folder = tmp_path / "int8"
    shutil.copytree(portable["int8"].path, folder)
    art = Artifact.open(folder)
    from edgecompile.errors import CannotRunHereError

    with pytest.raises(CannotRunHereError, match="device-build"):  # before the engine exists
        art.load()
    from edgecompile.backends import get_backend

    assert get_backend("tensorrt").device_build(art)["passed"]
    engine = Artifact.open(folder).manifest["backend_details"]["engine"]
    assert engine["gpu"] and engine["compute_capability"] and engine["tensorrt"]
    assert type(Artifact.open(folder).load()).__name__ == "EngineRunner"
