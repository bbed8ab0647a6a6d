"""MetaSchedule tuning (`--tune-trials N`), with its database cached by model + target hash.

The database lives in <cache>/tvm-tuning/<key>/ where key = sha256(normalized graph, precision,
target dict, graph variant, trials): a second build of the same model for the same target reuses
it without measuring again. The cache root is $EDGECOMPILE_CACHE, else $XDG_CACHE_HOME/edgecompile,
else ~/.cache/edgecompile.

Recipe (checked on this project's machine, see DESIGN.md): apache-tvm 0.27.0.post1 with
apache-tvm-ffi 0.1.14.post1 (0.1.15.post2 segfaults in tvm.ir.save_json, which the database uses)
and xgboost for the cost model. The graph is fused before tuning (else MetaSchedule finds "no tasks
to tune"); the tuned schedules are applied with MetaScheduleApplyDatabase and nothing after it
(dlight's CPU rules made code slower than untuned). The target needs `num-cores`.
`preflight` checks the install in a child process and fails with the fix instead of crashing.
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

from edgecompile.core.cache import cache_dir
from edgecompile.errors import EdgeCompileError

_PROBE = "import tvm; tvm.ir.save_json(tvm.tirx.IntImm('int32', 1))"
WORKING_FFI = "0.1.14.post1"
BUILD_TIMEOUT_S, RUN_TIMEOUT_S = 300, 120
COMPLETE = "complete"  # written after tune_relax returns


class TuningUnavailableError(EdgeCompileError):
    """MetaSchedule cannot run in this installation."""


def cache_key(model_bytes: bytes, precision: str, target: dict, trials: int, variant: dict | None = None) -> str:
    h = hashlib.sha256(model_bytes)
    h.update(json.dumps({"precision": precision, "target": target, "trials": trials, "variant": variant or {}},
                        sort_keys=True).encode())
    return h.hexdigest()


def preflight() -> None:
    """Raise TuningUnavailableError with the fix when MetaSchedule would crash or cannot model costs."""
    import importlib.util

    missing = [m for m in ("xgboost", "psutil", "cloudpickle") if importlib.util.find_spec(m) is None]
    if missing:
        raise TuningUnavailableError(f"tvm --tune-trials needs {', '.join(missing)} (MetaSchedule's cost model and "
                                     f"workers): pip install 'edgecompile[tvm]'")
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
            f"apache-tvm-ffi {version('apache-tvm-ffi')} crashes there, apache-tvm-ffi {WORKING_FFI} does not: "
            f"pip install 'edgecompile[tvm]', or build without --tune-trials.")


def _has_records(work_dir: Path) -> bool:
    rec = work_dir / "database_tuning_record.json"
    return rec.is_file() and rec.stat().st_size > 0


def _complete(work_dir: Path) -> bool:
    """A database whose tuning ran to its end: an interrupted one is retuned, never reused as if whole."""
    return (work_dir / COMPLETE).is_file() and _has_records(work_dir)


def build_candidate(mod, target, _params):
    """MetaSchedule's default build minus its `import tvm.s_tir.tensor_intrin`: that import registers
    every GPU tensor intrinsic by parsing TVMScript (about 40 CPU-s), in each builder worker, and
    LocalBuilder starts a new pool every round. CPU fp32 schedules here use no tensor intrinsic."""
    from tvm.driver import build
    from tvm.s_tir.transform import RemoveWeightLayoutRewriteBlock

    return build(RemoveWeightLayoutRewriteBlock(skip_tensor_rewrite=True)(mod), target=target)


def fuse(mod):
    """Lower to TIR and fuse: the tasks MetaSchedule tunes are the fused PrimFuncs."""
    from tvm import relax, transform

    return transform.Sequential([relax.transform.LegalizeOps(), relax.transform.AnnotateTIROpPattern(),
                                 relax.transform.FoldConstant(), relax.transform.FuseOps(),
                                 relax.transform.FuseTIR()])(mod)


def tune(mod, target, target_dict: dict, trials: int, model_bytes: bytes, precision: str, variant: dict | None = None):
    """(tuned IRModule, manifest block). Reuses a cached database for the same key."""
    import tvm
    from tvm.s_tir import meta_schedule as ms
    from tvm import relax

    if "num-cores" not in target_dict:  # MetaSchedule's CPU rules need it
        target_dict = {**target_dict, "num-cores": os.cpu_count() or 1}
        target = tvm.target.Target(target_dict)
    key = cache_key(model_bytes, precision, target_dict, trials, variant)
    work_dir = cache_dir() / "tvm-tuning" / key
    reused = _complete(work_dir)
    with target:
        fused = fuse(mod)
    if reused:
        db = ms.database.JSONDatabase(work_dir=str(work_dir))
    else:
        import shutil

        preflight()
        shutil.rmtree(work_dir, ignore_errors=True)  # an interrupted run's partial database
        work_dir.mkdir(parents=True, exist_ok=True)
        workers = max(1, min(2, os.cpu_count() or 1))
        # the scheduler first gives each task one round of num_trials_per_iter: with a round as large as
        # the budget, the first task (often a trivial reshape or the dense head) took every trial
        tasks = len(ms.relax_integration.extract_tasks(fused, target))
        per_iter = max(1, min(32, trials // max(1, tasks)))
        # generous timeouts: on a loaded machine one candidate's LLVM build took over the default 30 s,
        # and a timed-out candidate is a lost trial
        db = ms.relax_integration.tune_relax(
            mod=fused, params={}, target=target, work_dir=str(work_dir), max_trials_global=trials,
            num_trials_per_iter=per_iter,
            builder=ms.builder.LocalBuilder(max_workers=workers, timeout_sec=BUILD_TIMEOUT_S,
                                            f_build=build_candidate),
            runner=ms.runner.LocalRunner(timeout_sec=RUN_TIMEOUT_S))
        if not _has_records(work_dir):
            shutil.rmtree(work_dir, ignore_errors=True)
            raise TuningUnavailableError(f"tvm: MetaSchedule measured no valid schedule in {trials} trials (every "
                                         f"candidate failed to build or run; see its logs); build without "
                                         f"--tune-trials or with more trials.")
        (work_dir / COMPLETE).touch()
    with target, db, tvm.transform.PassContext(opt_level=3):
        tuned = relax.transform.MetaScheduleApplyDatabase()(fused)
    records = sum(1 for _ in (work_dir / "database_tuning_record.json").open())
    return tuned, {"trials": trials, "cache_key": key, "reused_log": reused, "target": target_dict,
                   "tuning_records": records}
