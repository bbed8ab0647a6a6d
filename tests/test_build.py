"""`edgecompile build` on the onnxruntime backend: manifests, determinism, replacement rules, errors."""
import json

import numpy as np
import onnx
import pytest
from click.testing import CliRunner
from onnx import TensorProto, helper

from edgecompile.artifact import Artifact, sha256_file
from edgecompile.cli.main import cli


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture(scope="module")
def built(tmp_path_factory, digits_cnn):
    out = tmp_path_factory.mktemp("built")
    res = run("build", digits_cnn, "-t", "onnxruntime", "-p", "fp32", "-p", "fp16", "-p", "int8",
              "--calib", "digits", "--out", out)
    assert res.exit_code == 0, res.output
    return out


@pytest.mark.parametrize("precision", ["fp32", "fp16", "int8"])
def test_manifest(built, precision):
    art = Artifact.open(built / f"onnxruntime-{precision}")
    m = art.manifest
    for key in ("target", "backend", "precision", "source_sha256", "files", "inputs", "outputs", "tool_versions", "parity"):
        assert key in m
    assert (m["target"], m["backend"], m["precision"]) == ("onnxruntime", "onnxruntime", precision)
    assert m["inputs"] == [{"name": "input", "shape": [1, 1, 8, 8], "dtype": "float32", "layout": "NCHW"}]
    assert m["outputs"][0]["shape"] == [1, 10]
    assert m["parity"]["passed"] and m["parity"]["top1_agreement"] is not None
    for name, digest in m["files"].items():
        assert sha256_file(art.path / name) == digest
    art.verify_files()
    assert "onnxruntime" in m["tool_versions"]


def test_fp32_matches_reference_closely(built):
    parity = Artifact.open(built / "onnxruntime-fp32").manifest["parity"]
    assert parity["max_rel_err"] <= 1e-4 and parity["cosine"] > 0.99999


def test_int8_is_quantized_and_smaller(built):
    fp32 = Artifact.open(built / "onnxruntime-fp32")
    int8 = Artifact.open(built / "onnxruntime-int8")
    model = onnx.load(str(int8.file("model.onnx")))
    assert any(n.op_type in ("QuantizeLinear", "QLinearConv", "DynamicQuantizeLinear") for n in model.graph.node)
    assert int8.size_bytes() < fp32.size_bytes() / 2


def test_determinism(tmp_path, digits_cnn, built):
    res = run("build", digits_cnn, "-t", "onnxruntime", "-p", "fp32", "-p", "fp16", "-p", "int8",
              "--calib", "digits", "--out", tmp_path)
    assert res.exit_code == 0, res.output
    for p in ("fp32", "fp16", "int8"):
        a, b = built / f"onnxruntime-{p}", tmp_path / f"onnxruntime-{p}"
        assert (a / "manifest.json").read_bytes() == (b / "manifest.json").read_bytes()
        for name in Artifact.open(a).manifest["files"]:
            assert sha256_file(a / name) == sha256_file(b / name)


def test_existing_artifact_needs_force(tmp_path, tiny_onnx):
    assert run("build", tiny_onnx, "-t", "onnxruntime", "--out", tmp_path).exit_code == 0
    before = (tmp_path / "onnxruntime-fp32" / "manifest.json").read_bytes()
    res = run("build", tiny_onnx, "-t", "onnxruntime", "--out", tmp_path)
    assert res.exit_code == 1 and "--force" in res.output
    assert (tmp_path / "onnxruntime-fp32" / "manifest.json").read_bytes() == before
    assert run("build", tiny_onnx, "-t", "onnxruntime", "--out", tmp_path, "--force").exit_code == 0
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging leftovers


def test_foreign_folder_is_not_replaced(tmp_path, tiny_onnx):
    foreign = tmp_path / "onnxruntime-fp32"
    foreign.mkdir()
    (foreign / "precious.txt").write_text("mine")
    res = run("build", tiny_onnx, "-t", "onnxruntime", "--out", tmp_path)
    assert res.exit_code == 1 and "did not write" in res.output
    assert (foreign / "precious.txt").read_text() == "mine"


def test_unknown_target_suggests(tmp_path, tiny_onnx):
    res = run("build", tiny_onnx, "-t", "onxruntime", "--out", tmp_path / "out")
    assert res.exit_code == 2 and "Did you mean 'onnxruntime'" in res.output
    assert not (tmp_path / "out").exists()


def test_malformed_input_shape_is_usage_error(tmp_path, tiny_onnx):
    res = run("build", tiny_onnx, "-t", "onnxruntime", "--input-shape", "x=1xbanana", "--out", tmp_path)
    assert res.exit_code == 2 and "Malformed --input-shape" in res.output


def test_input_shape_sets_batch(tmp_path, tiny_onnx):
    res = run("build", tiny_onnx, "-t", "onnxruntime", "--input-shape", "x=4x1x8x8", "--out", tmp_path)
    assert res.exit_code == 0, res.output
    assert Artifact.open(tmp_path / "onnxruntime-fp32").inputs[0].shape == (4, 1, 8, 8)


def test_op_no_backend_supports(tmp_path):
    node = helper.make_node("FancyOp", ["x"], ["y"], name="my_fancy_node", domain="com.example")
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.example", 1)])
    path = tmp_path / "custom.onnx"
    onnx.save(model, str(path))
    for extra in (["--no-verify"], []):  # the backend's check, and the reference that cannot run it
        res = run("build", path, "-t", "onnxruntime", "--out", tmp_path / "out", *extra)
        assert res.exit_code == 1
        assert "FancyOp" in res.output and "my_fancy_node" in res.output and "Traceback" not in res.output
        assert not (tmp_path / "out" / "onnxruntime-fp32").exists()


def test_int8_without_calibration_is_usage_error(tmp_path, tiny_onnx):
    res = run("build", tiny_onnx, "-t", "onnxruntime", "-p", "int8", "--out", tmp_path)
    assert res.exit_code == 2 and "--calib" in res.output


def test_calibration_file_of_wrong_shape(tmp_path, tiny_onnx):
    np.save(tmp_path / "calib.npy", np.zeros((10, 3, 8, 8), np.float32))
    res = run("build", tiny_onnx, "-t", "onnxruntime", "-p", "int8", "--calib", tmp_path / "calib.npy", "--out", tmp_path / "o")
    assert res.exit_code == 1 and "calib.npy" in res.output and "expected N x 1x8x8" in res.output


def test_json_output(tmp_path, tiny_onnx):
    res = run("build", tiny_onnx, "-t", "onnxruntime", "--out", tmp_path, "--json")
    data = json.loads(res.output)
    assert data["ok"] and data["results"][0]["parity"]["passed"]
