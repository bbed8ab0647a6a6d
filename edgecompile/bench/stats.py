"""Latency statistics from per-run timings."""
from __future__ import annotations

import time

import numpy as np


def time_runs(runner, feeds: dict, runs: int, warmup: int) -> list[float]:
    """Seconds per `runner.run(feeds)`, after `warmup` untimed runs."""
    for _ in range(warmup):
        runner.run(feeds)
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        runner.run(feeds)
        times.append(time.perf_counter() - t)
    return times


def latency_summary(seconds: list[float]) -> dict:
    ms = np.asarray(seconds, dtype=np.float64) * 1e3
    return {
        "p50": float(np.percentile(ms, 50)),
        "p90": float(np.percentile(ms, 90)),
        "p99": float(np.percentile(ms, 99)),
        "mean": float(ms.mean()),
        "min": float(ms.min()),
    }
