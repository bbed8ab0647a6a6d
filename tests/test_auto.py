"""`--target auto`: every candidate built and verified, measured side by side, the fastest kept (issue 10)."""
from __future__ import annotations

import json

from click.testing import CliRunner

from edgecompile.cli.main import cli


def test_auto_keeps_the_fastest_verified_candidate_and_prints_the_ranking(tiny_onnx, tmp_path):
    out = tmp_path / "b"
    res = CliRunner().invoke(cli, ["build", str(tiny_onnx), "-t", "auto", "-p", "fp32", "--out", str(out)])
    assert res.exit_code == 0, res.output
    manifest = json.loads((out / "auto" / "manifest.json").read_text())
    ranking = manifest["auto"]["ranking"]
    assert len(ranking) >= 1 and all(r["parity"]["passed"] for r in ranking)
    p50 = [r["p50_us"] for r in ranking]
    assert p50 == sorted(p50)  # no accuracy bound given: every verified candidate is eligible
    best = ranking[0]
    assert manifest["auto"]["picked"] == f"{best['target']}-{best['precision']}"
    assert manifest["backend"] == best["backend"]
    # the winner's files are the candidate's, byte for byte
    cand = json.loads((out / "candidates" / manifest["auto"]["picked"] / "manifest.json").read_text())
    assert cand["files"] == manifest["files"]
    assert "picked" in res.output and str(out / "auto") in res.output
    assert "building onnxruntime-cpu fp32" in res.output  # progress lines, as targets start


def test_auto_does_not_combine_with_other_targets(tiny_onnx, tmp_path):
    res = CliRunner().invoke(cli, ["build", str(tiny_onnx), "-t", "auto", "-t", "c", "--out", str(tmp_path)])
    assert res.exit_code == 2 and "auto" in res.output
