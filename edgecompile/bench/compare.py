"""Compare a bench report with a baseline report: per-artifact p50 change with a 95% confidence
interval (bootstrap of the ratio of medians over both runs' samples). A regression is a change
larger than the bound whose whole interval lies above zero: larger than both bound and noise."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from edgecompile.errors import UsageError


def load_baseline(path: str) -> dict:
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise UsageError(f"--compare {path}: not a readable JSON bench report ({e}).") from e
    if isinstance(data, list):  # `bench --json` before the schema: a bare list of results
        data = {"schema": None, "results": data}
    if not isinstance(data, dict) or "results" not in data:
        raise UsageError(f"--compare {path}: not an edgecompile bench report (no 'results'); write one with "
                         "`edgecompile bench ... --json > base.json` or --report DIR.")
    return data


def ratio_ci(new: list[float], old: list[float]) -> list[float] | None:
    """95% interval of median(new)/median(old)."""
    from scipy.stats import bootstrap

    a, b = np.asarray(new, float), np.asarray(old, float)
    if a.size < 6 or b.size < 6:
        return None
    if np.ptp(a) == 0 and np.ptp(b) == 0:  # deterministic runner: the ratio is exact
        r = float(a[0] / b[0])
        return [r, r]
    res = bootstrap((a, b), lambda x, y, axis: np.median(x, axis=axis) / np.median(y, axis=axis),
                    n_resamples=1000, vectorized=True, method="percentile", batch=100,
                    rng=np.random.default_rng(0))
    return [float(res.confidence_interval.low), float(res.confidence_interval.high)]


def interval_ratio(new: dict, old: dict) -> list[float] | None:
    """Fallback without samples: the ratio's range over both medians' intervals."""
    cn, co = new.get("p50_ci95"), old.get("p50_ci95")
    return [cn[0] / co[1], cn[1] / co[0]] if cn and co else None


def compare_row(new: dict, old: dict, bound: float) -> dict:
    p_new, p_old = new["latency_ms"]["p50"], old["latency_ms"]["p50"]
    change = 100 * (p_new / p_old - 1)
    ratio = (ratio_ci(new["samples_ms"], old["samples_ms"]) if new.get("samples_ms") and old.get("samples_ms")
             else interval_ratio(new["latency_ms"], old["latency_ms"]))
    ci = [100 * (ratio[0] - 1), 100 * (ratio[1] - 1)] if ratio else None
    if ci is None:
        status = "no interval: not judged"
    elif change > bound and ci[0] > 0:
        status = "REGRESSION"
    elif change > bound:
        status = "slower, within noise"
    elif ci[0] > 0:
        status = "slower, within the bound"
    elif ci[1] < 0:
        status = "faster"
    else:
        status = "no significant change"
    notes = []
    if new.get("backend") != old.get("backend"):
        notes.append(f"backend {old.get('backend')} -> {new.get('backend')}")
    elif new.get("manifest_sha256") != old.get("manifest_sha256"):
        notes.append("artifact rebuilt")
    return {"name": new["name"], "baseline_p50_ms": p_old, "p50_ms": p_new, "change_pct": change,
            "change_ci95_pct": ci, "status": status, "note": "; ".join(notes)}


def compare(report: dict, baseline: dict, baseline_path: str, bound: float) -> dict:
    from edgecompile.bench.machine import same_machine
    from edgecompile.bench.suite import SCHEMA

    if bound < 0:
        raise UsageError("--max-regression must be at least 0 (a percentage).")
    warnings = []
    if baseline.get("schema") != SCHEMA:
        warnings.append(f"the baseline's schema is {baseline.get('schema')!r}, this report's {SCHEMA!r}: "
                        "figures may not mean the same")
    bm, m = baseline.get("machine") or {}, report["machine"]
    if not same_machine(bm, m):
        warnings.append(f"the baseline ran on another machine ({bm.get('cpu')}, {bm.get('cores')} cores; now "
                        f"{m['cpu']}, {m['cores']} cores): differences may be the machine's")
    if (baseline.get("settings") or {}).get("scenario") != report["settings"].get("scenario"):
        warnings.append("the baseline used another scenario")
    old = {r.get("name") or Path(r["artifact"]).name: r for r in baseline["results"]
           if "error" not in r and (r.get("latency_ms") or {}).get("p50")}
    rows = [compare_row(r, old[r["name"]], bound) if r["name"] in old else {"name": r["name"], "status": "new"}
            for r in report["results"] if "error" not in r]
    return {"baseline": baseline_path, "max_regression_pct": bound, "warnings": warnings, "rows": rows,
            "regressions": [r["name"] for r in rows if r["status"] == "REGRESSION"]}
