"""Optional MetaSchedule tuning (`--tune-trials N`), with its database cached by model + target hash.

The tuning log lives in <cache>/tvm-tuning/<key>/ where key = sha256(normalized graph, precision,
target dict, trials): a second build of the same model for the same target reuses it without
measuring again. The cache root is $EDGECOMPILE_CACHE, else $XDG_CACHE_HOME/edgecompile, else
~/.cache/edgecompile.

Measured on this project's machine (apache-tvm 0.27.0.post1): with apache-tvm-ffi 0.1.15.post2
MetaSchedule segfaults in ffi::ToJSONGraph (tvm.ir.save_json of any TIR node; its database and
builder serialize workloads that way); with apache-tvm-ffi 0.1.14.post0 serialization works. The
cost model needs xgboost. `preflight` checks both in a child process and fails with the fix
instead of crashing the build.
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

from edgecompile.errors import EdgeCompileError

_PROBE = "import tvm; tvm.ir.save_json(tvm.tirx.IntImm('int32', 1))"


class TuningUnavailableError(EdgeCompileError):
    """MetaSchedule cannot run in this installation."""


def cache_root() -> Path:
    if os.environ.get("EDGECOMPILE_CACHE"):
        return Path(os.environ["EDGECOMPILE_CACHE"])
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "edgecompile"


def cache_key(model_bytes: bytes, precision: str, target: dict, trials: int) -> str:
    h = hashlib.sha256(model_bytes)
    h.update(json.dumps({"precision": precision, "target": target, "trials": trials}, sort_keys=True).encode())
    return h.hexdigest()


def preflight() -> None:
    """Raise TuningUnavailableError with the fix when MetaSchedule would crash or cannot model costs."""
    import importlib.util

    if importlib.util.find_spec("xgboost") is None:
        raise TuningUnavailableError("tvm --tune-trials needs xgboost for MetaSchedule's cost model: pip install xgboost")
    from edgecompile.errors import ToolError
    from edgecompile.tools import run as run_tool

    try:
        returncode = run_tool([sys.executable, "-c", _PROBE], "Probing TVM's TIR serializer", 120).returncode
    except ToolError as e:  # the crash this probe looks for kills the child with a signal
        returncode = str(e)
    if returncode != 0:
        from importlib.metadata import version

        raise TuningUnavailableError(
            f"tvm --tune-trials: this TVM install cannot serialize TIR (tvm.ir.save_json exits with "
            f"{returncode}), which MetaSchedule needs; apache-tvm {version('apache-tvm')} with "
            f"apache-tvm-ffi {version('apache-tvm-ffi')} crashes there, apache-tvm-ffi 0.1.14.post0 does not: "
            f"pip install 'apache-tvm-ffi==0.1.14.post0', or build without --tune-trials.")


def _has_records(work_dir: Path) -> bool:
    rec = work_dir / "database_tuning_record.json"
    return rec.is_file() and rec.stat().st_size > 0


def tune(mod, target, target_dict: dict, trials: int, model_bytes: bytes, precision: str):
    """(tuned IRModule, manifest block). Reuses a cached database for the same key."""
    from tvm import relax

    key = cache_key(model_bytes, precision, target_dict, trials)
    work_dir = cache_root() / "tvm-tuning" / key
    reused = _has_records(work_dir)
    if not reused:
        preflight()
        work_dir.mkdir(parents=True, exist_ok=True)
    pipeline = relax.get_pipeline(
        "static_shape_tuning", total_trials=0 if reused else trials, target=target, work_dir=str(work_dir),
        max_trials_per_task=max(8, trials // 8))
    with target:
        mod = pipeline(mod)
    return mod, {"trials": trials, "cache_key": key, "reused_log": reused}
