"""`--tune-trials N` is real: MetaSchedule tunes, the database is cached by model + target and reused."""
from __future__ import annotations

from conftest import built_artifacts, need, need_backend


def test_tiny_tuning_then_reuse(tiny_onnx, tmp_path, monkeypatch):
    need_backend("tvm")
    from edgecompile.backends.tvm.tune import TuningUnavailableError, preflight

    try:
        preflight()
    except TuningUnavailableError as e:
        need("tvm-tuning", False, str(e))
    monkeypatch.setenv("EDGECOMPILE_CACHE", str(tmp_path / "cache"))
    (first,) = built_artifacts(tiny_onnx, tmp_path / "a", ["tvm"], ["fp32"], options={"tune_trials": 4})
    tuning = first.manifest["backend_details"]["tuning"]
    assert not tuning["reused_log"] and tuning["tuning_records"] > 0
    assert first.manifest["parity"]["passed"]
    (second,) = built_artifacts(tiny_onnx, tmp_path / "b", ["tvm"], ["fp32"], options={"tune_trials": 4})
    again = second.manifest["backend_details"]["tuning"]
    assert again["reused_log"] and again["cache_key"] == tuning["cache_key"]
    assert second.manifest["parity"]["passed"]
