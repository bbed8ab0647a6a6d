"""The Python API mirrors the CLI; `edgecompile bench` measures each artifact in its own process."""
import json

import numpy as np
from click.testing import CliRunner

import edgecompile
from edgecompile.cli.main import cli


def test_python_api_build_and_load(tmp_path, digits_cnn):
    report = edgecompile.build(str(digits_cnn), ["onnxruntime"], precisions=["fp32"], out=tmp_path)
    assert report.ok
    (art,) = report.artifacts()
    x = np.random.default_rng(0).random((1, 1, 8, 8), dtype=np.float32)
    y = edgecompile.load(art.path).run({"input": x})["output"]
    import onnxruntime as ort

    ref = ort.InferenceSession(str(digits_cnn), providers=["CPUExecutionProvider"]).run(None, {"input": x})[0]
    np.testing.assert_allclose(y, ref, rtol=1e-4, atol=1e-5)
    info = edgecompile.inspect(str(digits_cnn))
    assert info["macs"]["total"] > 0 and info["support"]["onnxruntime"]["supported"]


def test_bench_json(tmp_path, tiny_onnx):
    assert CliRunner().invoke(cli, ["build", str(tiny_onnx), "-t", "onnxruntime", "--out", str(tmp_path)]).exit_code == 0
    art = tmp_path / "onnxruntime-fp32"
    res = CliRunner().invoke(cli, ["bench", str(art), "--runs", "50", "--warmup", "5", "--json"])
    assert res.exit_code == 0, res.output
    (m,) = json.loads(res.stdout)["results"]
    lat = m["latency_ms"]
    assert m["runner"] == "host" and m["runs"] == 50
    assert 0 < lat["min"] <= lat["p50"] and lat["p90"] is None and lat["p99"] is None  # 50 runs support only p50
    assert m["warnings"] == ["p90 needs >= 100 runs (have 50): not reported", "p99 needs >= 1,000 runs (have 50): not reported"]
    assert m["size_bytes"] == sum(p.stat().st_size for p in art.iterdir() if p.name != "manifest.json")
    assert m["peak_rss_bytes"] > 10_000_000  # a real process with ONNX Runtime loaded


def test_inspect_cli(digits_cnn):
    res = CliRunner().invoke(cli, ["inspect", str(digits_cnn), "--json"])
    assert res.exit_code == 0, res.output
    r = json.loads(res.output)
    assert r["params"]["count"] > 10_000
    assert r["activation_memory"]["peak_bytes"] > 0 and r["activation_memory"]["live"]
    assert r["ops"]["Conv"] == 3


def test_targets_cli():
    res = CliRunner().invoke(cli, ["targets", "--json"])
    data = json.loads(res.output)
    assert data["backends"]["onnxruntime"]["available"]
    assert data["profiles"]["onnxruntime-cpu"]["backend"] == "onnxruntime"
