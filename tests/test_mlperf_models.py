"""The real third-party MLPerf Tiny models load, normalize, build on onnxruntime and verify."""
import pytest
from click.testing import CliRunner

from edgecompile.artifact import Artifact
from edgecompile.cli.main import cli

MODELS = {
    "kws_ref_model_float32.tflite": ((1, 49, 10, 1), "float32"),
    "pretrainedResnet.tflite": ((1, 32, 32, 3), "float32"),
    "kws_ref_model.tflite": ((1, 49, 10, 1), "int8"),
    "pretrainedResnet_quant.tflite": ((1, 32, 32, 3), "int8"),
}


@pytest.mark.parametrize("filename", sorted(MODELS))
def test_tflite_model_builds_and_verifies(tmp_path, mlperf_onnx, filename):
    path = mlperf_onnx(filename)
    res = CliRunner().invoke(cli, ["build", str(path), "-t", "onnxruntime", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    shape, dtype = MODELS[filename]
    art = Artifact.open(tmp_path / f"onnxruntime-{'int8' if dtype == 'int8' else 'fp32'}")  # an int8 model defaults to int8
    assert art.inputs[0].shape == shape and art.inputs[0].dtype == dtype
    parity = art.manifest["parity"]
    assert parity["passed"] and parity["max_rel_err"] <= 1e-4


def test_tflite_frontend_directly(tmp_path):
    """`edgecompile build file.tflite` goes through tf2onnx itself (no pre-converted .onnx)."""
    from conftest import mlperf_model, need, _tf2onnx_ok

    src = mlperf_model("kws_ref_model_float32.tflite")
    need("tflite", _tf2onnx_ok(), "tf2onnx is not installed: pip install 'edgecompile[tflite]'")
    res = CliRunner().invoke(cli, ["build", str(src), "-t", "onnxruntime", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert Artifact.open(tmp_path / "onnxruntime-fp32").manifest["source_kind"] == "tflite"


def test_prequantized_model_builds_int8_without_calibration(tmp_path, mlperf_onnx):
    """A full-int8 import already carries its scales: int8 needs no --calib and keeps them."""
    import onnx

    from edgecompile.quant.qdq import activation_qparams

    path = mlperf_onnx("kws_ref_model.tflite")
    res = CliRunner().invoke(cli, ["build", str(path), "-t", "onnxruntime", "-p", "int8", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert "already quantized" in res.output
    art = Artifact.open(tmp_path / "onnxruntime-int8")
    assert art.manifest["parity"]["passed"] and art.manifest["calibration"] is None
    built = activation_qparams(onnx.load(str(art.file("model.onnx"))))
    source = activation_qparams(onnx.load(str(path)))
    # the source's own scales, none invented (ORT's optimizer may shift s8 to u8: zero point +128)
    assert built and {scale for scale, _, _ in built.values()} <= {scale for scale, _, _ in source.values()}
