"""Triton model repositories: config.pbtxt read back with Triton's own model-config schema
(tritonclient), the served model run with the runtime its Triton backend embeds."""
from __future__ import annotations

import numpy as np
import pytest

from conftest import built_artifacts, need, need_backend

OPTIONS = {"batch": "dynamic", "preferred_batch_sizes": "4,8", "max_batch_size": 16, "max_queue_delay_us": 500,
           "priority_levels": 3, "default_priority_level": 2, "timeout_action": "delay", "queue_timeout_us": 20000,
           "allow_timeout_override": True, "max_queue_size": 64, "instance_count": 2, "model_name": "digits"}


@pytest.fixture(scope="module")
def repo(digits_cnn, tmp_path_factory):
    need_backend("triton")
    (art,) = built_artifacts(digits_cnn, tmp_path_factory.mktemp("triton"), ["triton"], ["fp32"], options=OPTIONS)
    return art


def _config(art, name="digits"):
    from google.protobuf import text_format
    from tritonclient.grpc import model_config_pb2 as mc

    return text_format.Parse((art.path / name / "config.pbtxt").read_text(), mc.ModelConfig()), mc


def test_config_parses_with_tritons_schema(repo):
    cfg, mc = _config(repo)
    assert (cfg.name, cfg.platform, cfg.max_batch_size, cfg.default_model_filename) == \
        ("digits", "onnxruntime_onnx", 16, "model.onnx")
    assert [(i.name, i.data_type, list(i.dims)) for i in cfg.input] == [("input", mc.TYPE_FP32, [1, 8, 8])]
    assert [(o.name, list(o.dims)) for o in cfg.output] == [("output", [10])]  # batch dimension left to Triton
    db = cfg.dynamic_batching
    assert list(db.preferred_batch_size) == [4, 8] and db.max_queue_delay_microseconds == 500
    assert (db.priority_levels, db.default_priority_level) == (3, 2)
    q = db.default_queue_policy
    assert (q.timeout_action, q.default_timeout_microseconds, q.allow_timeout_override, q.max_queue_size) == \
        (mc.ModelQueuePolicy.DELAY, 20000, True, 64)
    assert [(g.count, g.kind) for g in cfg.instance_group] == [(2, mc.ModelInstanceGroup.KIND_CPU)]
    assert sorted(repo.manifest["files"]) == ["digits/1/model.onnx", "digits/config.pbtxt"]


def test_served_model_takes_a_batch(repo):
    import onnxruntime as ort

    assert repo.manifest["parity"]["passed"]
    sess = ort.InferenceSession(str(repo.path / "digits/1/model.onnx"), providers=["CPUExecutionProvider"])
    x = np.random.default_rng(5).random((16, 1, 8, 8), dtype=np.float32)
    batched = sess.run(None, {"input": x})[0]
    single = np.concatenate([sess.run(None, {"input": x[i:i + 1]})[0] for i in range(16)])
    np.testing.assert_allclose(batched, single, atol=1e-5)


def test_batching_a_fixed_batch_model_is_a_clear_error(digits_cnn, tmp_path):
    need_backend("triton")
    from edgecompile.driver import build

    report = build(str(digits_cnn), ["triton", "onnxruntime"], ["fp32"], out=tmp_path,
                   options={"max_batch_size": 8})
    by = {r.target: r for r in report.results}
    assert "--batch dynamic" in by["triton"].error and "fixed" in by["triton"].error
    assert by["onnxruntime"].ok  # one target's failure does not stop the others
    (art,) = built_artifacts(digits_cnn, tmp_path / "fixed", ["triton"], ["fp32"])  # no batching: fine
    cfg, _ = _config(art, "model")
    assert cfg.max_batch_size == 0 and list(cfg.input[0].dims) == [1, 1, 8, 8] and not cfg.HasField("dynamic_batching")


@pytest.mark.parametrize("options, message", [
    ({"batch": "dynamic", "preferred_batch_sizes": "4,32"}, "each must be 1..max_batch_size"),
    ({"batch": "dynamic", "priority_levels": 2, "default_priority_level": 3}, "must be 1..priority_levels"),
    ({"triton_backend": "tflite"}, "choose onnxruntime, openvino, tensorrt"),
    ({"batch": "dynamic", "timeout_action": "drop"}, "choose REJECT, DELAY"),
    ({"model_name": "../escape"}, "model_name"),
])
def test_bad_options_are_usage_errors(digits_cnn, tmp_path, options, message):
    need_backend("triton")
    from edgecompile.driver import build

    report = build(str(digits_cnn), ["triton"], ["fp32"], out=tmp_path, options=options)
    assert message in report.results[0].error


def test_openvino_and_tensorrt_triton_backends(digits_cnn, tmp_path):
    need_backend("triton")
    (trt,) = built_artifacts(digits_cnn, tmp_path / "trt", ["triton"], ["int8"], calib="digits",
                             options={"triton_backend": "tensorrt", "batch": "dynamic"})
    cfg, mc = _config(trt, "model")
    acc = cfg.optimization.execution_accelerators.gpu_execution_accelerator
    assert [a.name for a in acc] == ["tensorrt"] and acc[0].parameters["precision_mode"] == "INT8"
    assert cfg.instance_group[0].kind == mc.ModelInstanceGroup.KIND_GPU
    assert trt.manifest["parity"]["passed"]
    need_backend("openvino")
    (ov,) = built_artifacts(digits_cnn, tmp_path / "ov", ["triton"], ["fp16"],
                            options={"triton_backend": "openvino", "batch": "dynamic"})
    cfg, _ = _config(ov, "model")
    assert (cfg.backend, cfg.default_model_filename) == ("openvino", "model.xml")
    assert cfg.parameters["INFERENCE_PRECISION_HINT"].string_value == "f32"  # what was verified here
    assert sorted(ov.manifest["files"]) == ["model/1/model.bin", "model/1/model.xml", "model/config.pbtxt"]
    assert ov.manifest["parity"]["passed"]
