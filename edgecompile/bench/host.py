"""Host runner: the artifact runs in a fresh Python process, so a native crash or leak cannot take
the driver down and peak memory (RSS) is measured for that artifact alone."""
from __future__ import annotations

import json
import subprocess
import sys

from edgecompile.errors import EdgeCompileError


def bench(artifact, runs: int, warmup: int, settings: dict) -> dict:
    """The host runner takes no [bench] settings."""
    cmd = [sys.executable, "-m", "edgecompile.bench.worker", str(artifact.path), str(runs), str(warmup)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise EdgeCompileError(f"Benchmark of {artifact.path} failed in its process (exit {proc.returncode}): "
                               + " | ".join(tail))
    return json.loads(proc.stdout.strip().splitlines()[-1])
