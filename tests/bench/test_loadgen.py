"""MLPerf LoadGen scenarios through the real mlcommons-loadgen, with short minimum durations."""
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import need
from edgecompile.cli.main import cli


@pytest.fixture(scope="module")
def art(digits_cnn, tmp_path_factory):
    import importlib.util

    from conftest import built_artifacts

    need("loadgen", importlib.util.find_spec("mlperf_loadgen") is not None,
         "pip install 'edgecompile[bench]' (mlcommons-loadgen)")
    out = tmp_path_factory.mktemp("lg")
    built_artifacts(digits_cnn, out, ["onnxruntime"], ["fp32"])
    return out / "onnxruntime-fp32"


@pytest.mark.parametrize("scenario,extra,metric", [
    ("single-stream", [], "90.0th percentile latency (ns)"),
    ("offline", ["--target-qps", "1000"], "Samples per second"),
    ("server", ["--target-qps", "200", "--target-latency-ms", "50"], "Completed samples per second"),
    ("multi-stream", [], "99.0th percentile latency (ns)"),
])
def test_scenario(art, tmp_path, scenario, extra, metric):
    res = CliRunner().invoke(cli, ["bench", str(art), "--scenario", scenario, "--duration", "1", "--min-queries", "50",
                                   *extra, "--report", str(tmp_path / "rep")])
    assert res.exit_code == 0, res.output
    (m,) = json.loads((tmp_path / "rep" / "bench.json").read_text())["results"]
    lg = m["loadgen"]
    assert lg["metric"] == metric and lg["metric_value"] > 0 and lg["result"] in ("VALID", "INVALID")
    logs = Path(lg["log_dir"])
    assert logs.parent == tmp_path / "rep" / "loadgen"
    summary = (logs / "mlperf_log_summary.txt").read_text()
    assert f"Result is : {lg['result']}" in summary and (logs / "mlperf_log_detail.txt").is_file()
    assert f"Result is : {lg['result']}" in res.output  # LoadGen's own lines quoted below the table
    if scenario == "server":
        assert lg["target_qps"] == 200 and isinstance(lg["latency_bound_held"], bool)
    assert m["runs"] >= 50 and m["latency_ms"]["p50"] > 0  # the SUT's own inference timings


def test_accuracy_mode_matches_plain_accuracy(art, tmp_path):
    res = CliRunner().invoke(cli, ["bench", str(art), "--scenario", "single-stream", "--mode", "accuracy",
                                   "--eval", "digits", "--duration", "1", "--report", str(tmp_path / "a")])
    assert res.exit_code == 0, res.output
    (m,) = json.loads((tmp_path / "a" / "bench.json").read_text())["results"]
    from edgecompile.artifact import Artifact
    from edgecompile.bench.evalset import accuracy

    a = Artifact.open(art)
    plain = accuracy(a.load(), a, "digits")  # every sample through the runner, in this process
    assert m["accuracy"]["source"] == "LoadGen accuracy log" and m["accuracy"]["samples"] == 359
    assert m["accuracy"]["top1"] == plain["top1"] > 0.9
