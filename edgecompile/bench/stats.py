"""Latency statistics people can trust: percentiles only where the runs support them, a 95%
confidence interval for the median (order statistics), both throughput figures labelled."""
from __future__ import annotations

import numpy as np

# a percentile q is reported only with at least 10 runs beyond it: n >= 10 / (1 - q)
PERCENTILES = {"p50": 50.0, "p90": 90.0, "p99": 99.0, "p99_9": 99.9}


def min_runs(q: float) -> int:
    return int(round(10 / (1 - q / 100)))


def median_ci(ms: np.ndarray, level: float = 0.95) -> list[float] | None:
    """Distribution-free interval for the median from order statistics (binomial), or None when
    the runs are too few for one."""
    from scipy.stats import quantile_test

    if ms.size < 6:
        return None
    ci = quantile_test(ms, q=float(np.median(ms)), p=0.5).confidence_interval(level)
    return [float(ci.low), float(ci.high)]


def latency_summary(seconds, deterministic: bool = False) -> tuple[dict, list[str]]:
    """(latency_ms dict, warnings). A percentile the runs cannot support is None plus a warning;
    a deterministic runner's runs are identical, so it has no spread to estimate."""
    ms = np.asarray(seconds, dtype=np.float64) * 1e3
    n = ms.size
    out: dict = {}
    warnings: list[str] = []
    for key, q in PERCENTILES.items():
        if deterministic or n >= min_runs(q):
            out[key] = float(np.percentile(ms, q))
        else:
            out[key] = None
            if q <= 99.0:  # p99.9 needs 10,000 runs: silent unless asked for, the table never shows it
                warnings.append(f"{key.replace('_', '.')} needs >= {min_runs(q):,} runs (have {n:,}): not reported")
    out.update(mean=float(ms.mean()), stdev=float(ms.std(ddof=1)) if n > 1 else 0.0, min=float(ms.min()),
               max=float(ms.max()), p50_ci95=None if deterministic else median_ci(ms))
    if deterministic:
        out["p50_ci95"] = [out["p50"], out["p50"]]
    return out, warnings


def throughput(latency: dict, runs: int, batch: int, wall_s: float | None) -> dict:
    """Samples per second two ways: from the median latency, and from the timed loop's wall time."""
    return {"from_median_ips": batch * 1e3 / latency["p50"] if latency.get("p50") else None,
            "from_wall_ips": runs * batch / wall_s if wall_s else None,
            "wall_s": wall_s, "batch": batch}
