"""`edgecompile bench` end to end on real runtimes: schema, errors beside results, report, compare."""
import json
import shutil

import pytest
from click.testing import CliRunner

from edgecompile.cli.main import cli


def bench(*args):
    return CliRunner().invoke(cli, ["bench", *map(str, args)])


@pytest.fixture(scope="module")
def digits_arts(digits_cnn, tmp_path_factory):
    """onnxruntime fp32 and int8 artifacts of the quickstart's digits CNN."""
    from conftest import built_artifacts

    out = tmp_path_factory.mktemp("digits_arts")
    built_artifacts(digits_cnn, out, ["onnxruntime"], ["fp32"])
    built_artifacts(digits_cnn, out, ["onnxruntime"], ["int8"], calib="digits")
    return out / "onnxruntime-fp32", out / "onnxruntime-int8"


def test_schema_and_bad_artifacts_beside_good_ones(digits_arts, tmp_path):
    fp32, _ = digits_arts
    foreign = tmp_path / "not-an-artifact"
    foreign.mkdir()
    missing = tmp_path / "tensorrt-fp32"  # a real artifact folder whose backend cannot be installed here
    shutil.copytree(fp32, missing)
    manifest = json.loads((missing / "manifest.json").read_text())
    (missing / "manifest.json").write_text(json.dumps({**manifest, "backend": "tensorrt", "target": "tensorrt"}))
    res = bench(fp32, foreign, missing, "--threads", "1", "--json")
    assert res.exit_code == 1 and "Traceback" not in res.output
    report = json.loads(res.stdout)
    assert report["schema"] == "edgecompile.bench/1"
    assert report["machine"]["cores"] >= 1 and report["machine"]["cpu"] and report["machine"]["os"]
    assert report["tools"]["onnxruntime"] and report["tools"]["edgecompile"]
    good, not_art, no_backend = report["results"]
    assert not_art["error_type"] == "ArtifactError" and "not an edgecompile artifact" in not_art["error"]
    assert "tensorrt" in no_backend["error"] and "error" not in good
    lat = good["latency_ms"]
    assert good["runs"] == 1000 and good["threads"] == 1 and len(good["samples_ms"]) == 1000
    assert lat["min"] <= lat["p50_ci95"][0] <= lat["p50"] <= lat["p50_ci95"][1] <= lat["p99"] <= lat["max"]
    assert lat["p99_9"] is None and lat["stdev"] > 0 and not good["warnings"]
    assert good["throughput"]["from_median_ips"] > 0 and good["throughput"]["from_wall_ips"] > 0
    assert good["peak_rss_bytes"] > 10_000_000 and good["load_ms"] > 0 and good["size_bytes"] > 0
    assert len(good["manifest_sha256"]) == 64 and good["parity"]["passed"]


def test_report_with_accuracy_and_charts(digits_arts, tmp_path):
    res = bench(*digits_arts, "--runs", "300", "--eval", "digits", "--sort", "size", "--report", tmp_path / "rep")
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert max(len(ln) for ln in lines[:8]) <= 100
    table = [ln for ln in lines if ln.startswith(" onnxruntime-")]
    assert [ln.split()[0] for ln in table] == ["onnxruntime-int8", "onnxruntime-fp32"]  # --sort size
    assert any("small" in ln for ln in table) and any("fast" in ln for ln in table)
    assert "p99 needs >= 1,000 runs (have 300)" in res.stdout
    report = json.loads((tmp_path / "rep" / "bench.json").read_text())
    for r in report["results"]:
        assert r["accuracy"]["samples"] == 359 and r["accuracy"]["top1"] > 0.9
    for png in ("latency_vs_quality.png", "latency_distribution.png"):
        assert (tmp_path / "rep" / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    md = (tmp_path / "rep" / "bench.md").read_text()
    assert "| onnxruntime-int8 | onnxruntime | int8 |" in md and "![latency_vs_quality.png]" in md


def test_compare_gates_only_on_regressions_beyond_bound_and_noise(digits_arts, tmp_path):
    from edgecompile.bench.compare import compare

    fp32, _ = digits_arts
    res = bench(fp32, "--runs", "300", "--json")
    base = json.loads(res.stdout)
    same = compare(base, base, "base.json", 10.0)  # identical runs: no change, an interval around zero
    (row,) = same["rows"]
    assert row["change_pct"] == 0 and row["change_ci95_pct"][0] <= 0 <= row["change_ci95_pct"][1]
    assert row["status"] == "no significant change" and not same["regressions"] and not same["warnings"]
    # a baseline 20x faster than anything this artifact does: a regression on any machine
    fast = json.loads(res.stdout)
    r = fast["results"][0]
    r["samples_ms"] = [v / 20 for v in r["samples_ms"]]
    r["latency_ms"] = {**r["latency_ms"], "p50": r["latency_ms"]["p50"] / 20}
    fast["machine"]["cpu"] = "another CPU"
    (tmp_path / "fast.json").write_text(json.dumps(fast))
    slow = bench(fp32, "--runs", "300", "--compare", tmp_path / "fast.json", "--max-regression", "10")
    assert slow.exit_code == 1 and "REGRESSION" in slow.output
    assert "the baseline ran on another machine (another CPU" in slow.output


def test_impossible_settings_are_usage_errors(digits_arts):
    fp32, _ = digits_arts
    for args, msg in ((["--scenario", "server", "--target-qps", "0"], "positive query rate"),
                      (["--scenario", "offline", "--duration", "-1"], "positive minimum duration"),
                      (["--scenario", "server"], "needs --target-qps"),
                      (["--duration", "2"], "add --scenario")):
        res = bench(fp32, *args)
        assert res.exit_code == 2 and msg in res.output and "Traceback" not in res.output, res.output


def test_batch_must_match_the_artifact(digits_arts):
    fp32, _ = digits_arts
    res = bench(fp32, "--batch", "4", "--json")
    assert res.exit_code == 1
    (r,) = json.loads(res.stdout)["results"]
    assert "compiled for batch 1" in r["error"] and "--input-shape input=4x1x8x8" in r["error"]


def test_build_bench(tiny_onnx, tmp_path):
    res = CliRunner().invoke(cli, ["build", str(tiny_onnx), "-t", "onnxruntime", "--out", str(tmp_path), "--bench",
                                   "--json"])
    assert res.exit_code == 0, res.output
    (m,) = json.loads(res.stdout)["bench"]["results"]
    assert m["backend"] == "onnxruntime" and m["latency_ms"]["p50"] > 0
