"""Bad ONNX input: a clear error and exit 1, never a traceback, nothing left behind."""
import pytest
from click.testing import CliRunner

from edgecompile.cli.main import cli
from edgecompile.errors import ModelLoadError
from edgecompile.frontends import load


def _build(path, out):
    return CliRunner().invoke(cli, ["build", str(path), "-t", "onnxruntime", "--out", str(out)])


def test_missing_file(tmp_path):
    res = _build(tmp_path / "nope.onnx", tmp_path / "out")
    assert res.exit_code == 1
    assert "does not exist" in res.output and "Traceback" not in res.output
    assert not (tmp_path / "out").exists()


def test_random_bytes(tmp_path):
    bad = tmp_path / "random.onnx"
    bad.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(ModelLoadError, match="not a readable ONNX model|holds no ONNX graph|not a valid ONNX"):
        load(str(bad))
    res = _build(bad, tmp_path / "out")
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert not (tmp_path / "out").exists()


def test_truncated_onnx(tmp_path, tiny_onnx):
    cut = tmp_path / "cut.onnx"
    cut.write_bytes(tiny_onnx.read_bytes()[: tiny_onnx.stat().st_size // 2])
    with pytest.raises(ModelLoadError):
        load(str(cut))
    res = _build(cut, tmp_path / "out")
    assert res.exit_code == 1 and res.output.startswith("error: ")


def test_unknown_suffix(tmp_path):
    f = tmp_path / "model.bin"
    f.write_bytes(b"abc")
    with pytest.raises(ModelLoadError, match="Cannot tell"):
        load(str(f))


def test_debug_shows_traceback(tmp_path):
    res = CliRunner().invoke(cli, ["--debug", "build", str(tmp_path / "x.onnx"), "-t", "onnxruntime"])
    assert isinstance(res.exception, ModelLoadError)
