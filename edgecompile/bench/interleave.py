"""Side-by-side latency of several callables in one process: short rounds, round-robin, so that load
from other processes hits every candidate alike. Used by `--target auto` and the benchmark scripts."""
from __future__ import annotations

import time
from typing import Callable

import numpy as np


def interleaved(calls: dict[str, Callable[[], object]], runs: int = 200, rounds: int = 5,
                warmup: int = 20) -> dict[str, dict[str, float]]:
    """{name: {"p50": us, "p90": us, "min": us}} over `runs` timed calls each, split into `rounds`."""
    for fn in calls.values():
        for _ in range(warmup):
            fn()
    per = max(1, runs // rounds)
    times: dict[str, list[float]] = {k: [] for k in calls}
    clock = time.perf_counter
    for _ in range(rounds):
        for name, fn in calls.items():
            t = times[name]
            for _ in range(per):
                t0 = clock()
                fn()
                t.append(clock() - t0)
    out = {}
    for name, t in times.items():
        us = np.asarray(t) * 1e6
        out[name] = {"p50": float(np.median(us)), "p90": float(np.percentile(us, 90)), "min": float(us.min())}
    return out
