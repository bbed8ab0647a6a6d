"""Statistics: percentiles only where the runs support them, an interval that holds the median."""
import numpy as np

from edgecompile.bench.stats import latency_summary, min_runs, throughput


def test_percentile_needs_enough_runs():
    rng = np.random.default_rng(0)
    lat, warnings = latency_summary(rng.lognormal(-8, 0.3, 200))
    assert lat["p50"] and lat["p90"] and lat["p99"] is None and lat["p99_9"] is None
    assert warnings == ["p99 needs >= 1,000 runs (have 200): not reported"]
    lat, warnings = latency_summary(rng.lognormal(-8, 0.3, 1000))
    assert lat["p99"] is not None and lat["p99_9"] is None and not warnings
    assert min_runs(99.0) == 1000 and min_runs(99.9) == 10000


def test_median_interval_brackets_the_median_and_narrows_with_runs():
    rng = np.random.default_rng(1)
    small, _ = latency_summary(rng.lognormal(-8, 0.3, 100))
    big, _ = latency_summary(rng.lognormal(-8, 0.3, 10000))
    for lat in (small, big):
        lo, hi = lat["p50_ci95"]
        assert lo <= lat["p50"] <= hi and lat["min"] <= lo
    width = lambda lat: (lat["p50_ci95"][1] - lat["p50_ci95"][0]) / lat["p50"]  # noqa: E731
    assert width(big) < width(small) / 3  # ~1/sqrt(n)


def test_deterministic_runs_have_no_spread_and_both_throughputs_are_labelled():
    lat, warnings = latency_summary([0.002] * 5, deterministic=True)
    assert lat["p99"] == lat["p50"] == 2.0 and lat["stdev"] == 0 and lat["p50_ci95"] == [2.0, 2.0] and not warnings
    tp = throughput(lat, runs=5, batch=4, wall_s=0.02)
    assert tp["from_median_ips"] == 2000 and tp["from_wall_ips"] == 1000 and tp["batch"] == 4
