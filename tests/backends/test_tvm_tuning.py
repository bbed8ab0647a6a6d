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
    from edgecompile.backends.tvm.tune import COMPLETE
    from edgecompile.core.cache import cache_dir

    (first,) = built_artifacts(tiny_onnx, tmp_path / "a", ["tvm"], ["fp32"], options={"tune_trials": 4})
    tuning = first.manifest["backend_details"]["tuning"]
    assert not tuning["reused_log"] and tuning["tuning_records"] > 0
    assert first.manifest["parity"]["passed"]
    mark = cache_dir() / "tvm-tuning" / tuning["cache_key"] / COMPLETE
    # a database without its completion mark (a tuning killed midway) is retuned, not reused as if whole
    mark.unlink()
    (second,) = built_artifacts(tiny_onnx, tmp_path / "b", ["tvm"], ["fp32"], options={"tune_trials": 4})
    assert not second.manifest["backend_details"]["tuning"]["reused_log"] and mark.is_file()
    (third,) = built_artifacts(tiny_onnx, tmp_path / "c", ["tvm"], ["fp32"], options={"tune_trials": 4})
    again = third.manifest["backend_details"]["tuning"]
    assert again["reused_log"] and again["cache_key"] == tuning["cache_key"]
    assert third.manifest["parity"]["passed"]
