"""Host runner: the artifact runs in a fresh Python process, so a native crash or leak cannot take
the driver down and peak memory (RSS) is measured for that artifact alone."""
from __future__ import annotations

import json
import sys

from edgecompile.errors import EdgeCompileError
from edgecompile.tools import run as run_tool

LOAD_BUDGET_S = 300  # loading (a C compile, a runtime's graph optimizer) on top of --max-seconds


def bench(artifact, runs: int, warmup: int, settings: dict, max_seconds: float = 600) -> dict:
    """The host runner takes no [bench] settings."""
    cmd = [sys.executable, "-m", "edgecompile.bench.worker", str(artifact.path), str(runs), str(warmup), f"{max_seconds:g}"]
    proc = run_tool(cmd, f"Benchmarking {artifact.path}", max_seconds + LOAD_BUDGET_S)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise EdgeCompileError(f"Benchmark of {artifact.path} failed in its process (exit {proc.returncode}): "
                               + " | ".join(tail))
    return json.loads(proc.stdout.strip().splitlines()[-1])
