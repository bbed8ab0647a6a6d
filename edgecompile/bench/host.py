"""Host runner: the artifact runs in a fresh Python process, so a native crash or leak cannot take
the driver down and peak memory (RSS) is measured for that artifact alone."""
from __future__ import annotations

import json
import sys

from edgecompile import errors
from edgecompile.tools import run as run_tool

LOAD_BUDGET_S = 300  # loading (a C compile, a runtime's graph optimizer) on top of the timed runs


def worker_result(returncode: int, stdout: str, stderr: str, where: str) -> dict:
    """The worker's JSON line, or its typed error raised again here."""
    lines = stdout.strip().splitlines()
    last = json.loads(lines[-1]) if lines and lines[-1].startswith("{") else None
    if returncode == 0 and last is not None:
        return last
    if last is not None and "error" in last:
        cls = getattr(errors, last.get("error_type", ""), errors.EdgeCompileError)
        err = cls.__new__(cls)  # MissingExtraError's constructor builds its own text: keep the worker's
        Exception.__init__(err, last["error"])
        raise err
    tail = (stderr or stdout).strip().splitlines()[-3:]
    raise errors.EdgeCompileError(f"Benchmark {where} failed in its process (exit {returncode}): " + " | ".join(tail))


def bench(artifact, runs: int, warmup: int, settings: dict, run=None) -> dict:
    """The host runner takes no [bench] settings; `run` is bench's BenchSettings."""
    from edgecompile.bench.settings import BenchSettings

    run = run or BenchSettings(runs=runs, warmup=warmup)
    cmd = [sys.executable, "-m", "edgecompile.bench.worker", str(artifact.path), str(runs), str(warmup),
           json.dumps(run.to_json())]
    proc = run_tool(cmd, f"Benchmarking {artifact.path}", run.max_seconds + (run.duration_s or 0) * 2 + LOAD_BUDGET_S)
    return worker_result(proc.returncode, proc.stdout, proc.stderr, f"of {artifact.path}")
