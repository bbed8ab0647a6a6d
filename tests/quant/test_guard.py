"""The accuracy guard on a model built to be hard to quantize, and quant-report / calibrate on the CLI."""
import json

import numpy as np
import pytest
from click.testing import CliRunner

from edgecompile.artifact import Artifact
from edgecompile.driver import build
from edgecompile.errors import UsageError


@pytest.fixture(scope="module")
def hard(tmp_path_factory):
    """(model, calibration .npy, labelled eval .npz, unlabelled eval .npy) for the outlier MLP."""
    from quant_models import digits_flat, outlier_mlp

    d = tmp_path_factory.mktemp("hard")
    x, _ = digits_flat("train")
    xt, yt = digits_flat("test")
    np.save(d / "calib.npy", x)
    np.savez(d / "eval.npz", x=xt, y=yt)
    np.save(d / "eval_x.npy", xt)
    return outlier_mlp(d / "outlier.onnx"), d / "calib.npy", d / "eval.npz", d / "eval_x.npy"


def _accuracy(art: Artifact, npz) -> float:
    from edgecompile.verify import run_batched

    z = np.load(npz)
    feeds = [{"x": z["x"][i:i + 1]} for i in range(len(z["x"]))]
    out = run_batched(art.load(), art.inputs, feeds, art.outputs)["y"]
    return float(np.mean(out.argmax(1) == z["y"]) * 100)


def test_outlier_model_misses_plain_int8_and_meets_bound_with_float_fallback(hard, tmp_path):
    model, calib, ev, _ = hard
    fp32 = build(str(model), ["onnxruntime"], ["fp32"], out=tmp_path / "f").artifacts()[0]
    plain = build(str(model), ["onnxruntime"], ["int8"], calib=str(calib), out=tmp_path / "p", verify=False)
    acc_fp32, acc_plain = _accuracy(fp32, ev), _accuracy(plain.artifacts()[0], ev)
    assert acc_fp32 > 90 and acc_fp32 - acc_plain > 0.5  # plain INT8 misses a 0.5-point bound

    guarded = build(str(model), ["onnxruntime"], ["int8"], calib=str(calib), out=tmp_path / "g",
                    max_accuracy_drop=0.5, eval_src=str(ev))
    assert guarded.ok, guarded.results[0].error
    art = guarded.artifacts()[0]
    q = art.manifest["quantization"]
    assert q["keep_float"] == ["fc2"]  # the fewest layers: only the one reading the outlier activation
    assert acc_fp32 - _accuracy(art, ev) <= 0.5
    g = q["guard"]
    assert g["passed"] and g["int8_all_layers"]["accuracy"] == pytest.approx(acc_plain, abs=0.01)
    assert g["latency_p50_us"] > 0 and g["latency_cost"] > 0
    assert any("kept 1 layer(s) in float (fc2)" in n for n in guarded.notes)


def test_min_cosine_on_unlabelled_data(hard, tmp_path):
    model, calib, _, ev_x = hard
    r = build(str(model), ["onnxruntime"], ["int8"], calib=str(calib), out=tmp_path / "c", min_cosine=0.999,
              eval_src=str(ev_x))
    assert r.ok and r.artifacts()[0].manifest["quantization"]["guard"]["int8"]["cosine"] >= 0.999


def test_guard_usage_errors(hard, tmp_path):
    model, calib, ev, ev_x = hard
    with pytest.raises(UsageError, match="--eval"):
        build(str(model), ["onnxruntime"], ["int8"], calib=str(calib), out=tmp_path, max_accuracy_drop=0.5)
    with pytest.raises(UsageError, match="labelled"):
        build(str(model), ["onnxruntime"], ["int8"], calib=str(calib), out=tmp_path, max_accuracy_drop=0.5,
              eval_src=str(ev_x))
    with pytest.raises(UsageError, match="int8"):
        build(str(model), ["onnxruntime"], ["fp32"], out=tmp_path, max_accuracy_drop=0.5, eval_src=str(ev))


def test_quant_report_and_calibrate_cli(hard, tmp_path):
    from edgecompile.cli.main import cli

    model, calib, _, _ = hard
    r = build(str(model), ["onnxruntime"], ["int8"], calib=str(calib), out=tmp_path, verify=False)
    path = r.results[0].path
    res = CliRunner().invoke(cli, ["quant-report", str(path), "--json"])
    assert res.exit_code == 0, res.output
    rep = json.loads(res.output)
    assert rep["layers"][0]["sqnr_db"] < 10 < rep["layers"][-1]["sqnr_db"]  # the crushed layer comes first
    assert rep["layers"][0]["tensor"] in {"r", "h", "y"}
    res = CliRunner().invoke(cli, ["calibrate", str(model), "--calib", str(calib), "--calib-method", "percentile", "--json"])
    assert res.exit_code == 0, res.output
    tab = json.loads(res.output)
    assert tab["method"] == "percentile" and tab["ranges"]["r"][1] > 100  # the outlier unit dominates


def test_bad_calibration_fails_before_compiling(hard, tmp_path):
    from edgecompile.cli.main import cli

    model, _, _, _ = hard
    bad = tmp_path / "bad.npy"
    np.save(bad, np.zeros((50, 63), np.float32))
    res = CliRunner().invoke(cli, ["build", str(model), "-t", "onnxruntime", "-p", "int8", "--calib", str(bad),
                                   "--out", str(tmp_path / "o")])
    assert res.exit_code == 1 and "bad.npy" in res.output and "N x 64" in res.output
    assert not (tmp_path / "o").exists()


@pytest.mark.slow
def test_integer_only_backend_fails_with_worst_layers_and_no_artifact(hard, tmp_path):
    """TFLite full-integer int8 cannot keep a layer in float: the guard refuses to ship it."""
    from conftest import need_backend  # tests/conftest.py

    need_backend("tflite")
    model, calib, ev, _ = hard
    r = build(str(model), ["tflite"], ["int8"], calib=str(calib), out=tmp_path, max_accuracy_drop=0.5,
              eval_src=str(ev))
    res = r.results[0]
    assert not res.ok and "misses the accuracy bound" in res.error and "Worst layers" in res.error
    assert "fc1" in res.error or "relu" in res.error
    assert not (tmp_path / "tflite-int8").exists()
