"""The plain timer: batch inferences back to back, each timed with perf_counter."""
from __future__ import annotations

import time


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


def timed_loop(runner, feeds: dict, runs: int, warmup: int) -> tuple[list[float], float]:
    """(per-run seconds, wall seconds of the whole timed loop, timing overhead included)."""
    for _ in range(warmup):
        runner.run(feeds)
    t0 = time.perf_counter()
    times = time_runs(runner, feeds, runs, 0)
    return times, time.perf_counter() - t0
