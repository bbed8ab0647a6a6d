"""`python -m edgecompile.bench.worker ARTIFACT RUNS WARMUP`: time one artifact, print one JSON line."""
from __future__ import annotations

import json
import resource
import sys
import time

import numpy as np


def main(path: str, runs: int, warmup: int, max_seconds: float = 600) -> dict:
    from edgecompile.artifact import Artifact
    from edgecompile.bench.stats import latency_summary, time_runs

    import edgecompile.backends.c.runner as c_runner

    c_runner.ISOLATE = False  # this process is the isolation: time the library directly
    art = Artifact.open(path)
    t0 = time.perf_counter()
    runner = art.load()
    rng = np.random.default_rng(0)
    feeds = {}
    for s in art.inputs:
        if np.issubdtype(np.dtype(s.dtype), np.integer):
            info = np.iinfo(s.dtype)
            feeds[s.name] = rng.integers(info.min, info.max + 1, size=s.shape).astype(s.dtype)
        else:
            feeds[s.name] = rng.standard_normal(s.shape).astype(s.dtype)
    runner.run(feeds)  # first inference belongs to load time: lazy init, JIT, allocation
    load_ms = (time.perf_counter() - t0) * 1e3
    t1 = time.perf_counter()
    runner.run(feeds)
    one = max(time.perf_counter() - t1, 1e-7)
    asked = runs
    if (runs + warmup) * one > max_seconds:  # --max-seconds: fewer runs, said in the result, never a hang
        warmup = min(warmup, int(0.1 * max_seconds / one))
        runs = max(1, int((max_seconds - warmup * one) / one))
    lat = latency_summary(time_runs(runner, feeds, runs, warmup))
    return {
        "runner": "host",
        "size_bytes": art.size_bytes(),
        "load_ms": load_ms,
        "runs": runs,
        **({"runs_requested": asked, "limited_by_max_seconds": max_seconds} if runs < asked else {}),
        "latency_ms": lat,
        "throughput_ips": 1e3 / lat["mean"],
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]),
                          float(sys.argv[4]) if len(sys.argv) > 4 else 600)))
