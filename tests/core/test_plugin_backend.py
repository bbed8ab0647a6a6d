"""A backend from another package (tests/plugins/numpy_backend.py, registered through the
`edgecompile.backends` entry-point group) works with every command, with no edit inside edgecompile/."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PLUGIN = Path(__file__).resolve().parent.parent / "plugins"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """A site folder holding only the plugin's distribution metadata (the entry point)."""
    root = tmp_path_factory.mktemp("site")
    dist = root / "edgecompile_numpy_plugin-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: edgecompile-numpy-plugin\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[edgecompile.backends]\nnumpy = numpy_backend:NumpyBackend\n")
    return root


def cli(site: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(PLUGIN), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-m", "edgecompile", *args], capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=300)


def test_targets_lists_the_plugin(site):
    res = cli(site, "targets", "--json")
    assert res.returncode == 0, res.stderr
    numpy = json.loads(res.stdout)["backends"]["numpy"]
    assert numpy["available"] and numpy["precisions"] == ["fp32"]


def test_declared_option_is_a_build_flag(site):
    res = cli(site, "build", "--help")
    assert res.returncode == 0 and "--np-float64" in res.stdout and "evaluate in float64" in res.stdout


def test_build_verify_bench_and_inspect(site, tiny_onnx, tmp_path):
    res = cli(site, "build", str(tiny_onnx), "-t", "numpy", "--np-float64", "true", "-o", str(tmp_path / "out"),
              "--json")
    assert res.returncode == 0, res.stderr
    result = json.loads(res.stdout)["results"][0]
    assert result["parity"]["passed"] and result["parity"]["max_rel_err"] < 1e-5
    manifest = json.loads((Path(result["path"]) / "manifest.json").read_text())
    assert manifest["backend"] == "numpy" and manifest["options"] == {"float64": True}
    assert manifest["backend_details"]["float64"] is True

    bench = cli(site, "bench", result["path"], "--runs", "30", "--warmup", "1", "--json")
    assert bench.returncode == 0, bench.stderr
    measured = json.loads(bench.stdout)["results"][0]
    assert measured["backend"] == "numpy" and measured["latency_ms"]["p50"] > 0, measured

    res = cli(site, "inspect", str(tiny_onnx), "--json")
    assert res.returncode == 0, res.stderr
    report = json.loads(res.stdout)
    assert report["support"]["numpy"]["supported"]
    extra = next(e for e in report["extras"] if e["backend"] == "numpy")
    assert extra["data"]["Conv"] == 1 and extra["title"] == "numpy evaluator: " + str(len(extra["data"])) + " op types"


def test_misspelled_profile_option_is_a_clear_error(site, tiny_onnx, tmp_path):
    profile = tmp_path / "my-board.toml"
    profile.write_text('backend = "numpy"\n[options]\nfloat_64 = true\n')
    res = cli(site, "build", str(tiny_onnx), "-t", str(profile), "-o", str(tmp_path / "out"))
    assert res.returncode == 2, res.stderr
    assert "unknown option 'float_64'" in res.stderr and "Did you mean 'float64'?" in res.stderr
    assert "Traceback" not in res.stderr
    wrong_type = tmp_path / "typed.toml"
    wrong_type.write_text('backend = "numpy"\n[options]\nfloat64 = "maybe"\n')
    res = cli(site, "build", str(tiny_onnx), "-t", str(wrong_type), "-o", str(tmp_path / "out"))
    assert res.returncode == 2 and "must be a boolean" in res.stderr, res.stderr
