"""Benchmark many artifacts into one report of a versioned schema. A bad artifact (not an
artifact, backend not installed, host unreachable, settings it cannot meet) becomes an error
entry; the others are still measured."""
from __future__ import annotations

import time
from pathlib import Path

from edgecompile.errors import EdgeCompileError

SCHEMA = "edgecompile.bench/1"


def _log_dir(settings, report_dir: str | None, name: str, k: int) -> str:
    import tempfile

    base = Path(report_dir) / "loadgen" if report_dir else Path(tempfile.mkdtemp(prefix="ec-loadgen-"))
    return str(base / f"{k:02d}-{name}")


def bench_all(paths, settings, runner: str | None = None, remote: str | None = None, report_dir: str | None = None,
              progress=None, **remote_settings) -> dict:
    """`progress(k, n, name)` is called before each artifact."""
    from dataclasses import replace

    from edgecompile.artifact import Artifact
    from edgecompile.bench import measure
    from edgecompile.bench.machine import machine_info, tool_versions

    settings.check()
    results, t0 = [], time.perf_counter()
    for k, p in enumerate(paths):
        name = Path(p).name
        if progress:
            progress(k, len(paths), name)
        try:
            art = Artifact.open(p)
            st = replace(settings, log_dir=_log_dir(settings, report_dir, name, k)) if settings.scenario else settings
            results.append(measure(art, runner=runner, remote=remote, settings=st, **remote_settings))
        except EdgeCompileError as e:
            results.append({"artifact": str(p), "name": name, "error": str(e), "error_type": type(e).__name__})
    return {"schema": SCHEMA, "machine": machine_info(), "tools": tool_versions(), "settings": settings.to_json(),
            "runner": runner, "remote": remote, "seconds": time.perf_counter() - t0, "results": results}
