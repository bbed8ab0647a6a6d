"""Report rows shared by the terminal table and the Markdown report: sorting, marks, cells."""
from __future__ import annotations

SORT_KEYS = ("latency", "size", "accuracy")


def ok(results: list[dict]) -> list[dict]:
    return [r for r in results if "error" not in r]


def quality(m: dict) -> float | None:
    """Accuracy on --eval data when measured, else the build's parity cosine."""
    if m.get("accuracy") and m["accuracy"].get("top1") is not None:
        return m["accuracy"]["top1"]
    p = m.get("parity") or {}
    return p.get("cosine")


def sort_results(results: list[dict], key: str) -> list[dict]:
    inf = float("inf")
    keys = {"latency": lambda m: m["latency_ms"].get("p50") or inf,
            "size": lambda m: m.get("size_bytes") or inf,
            "accuracy": lambda m: -(quality(m) if quality(m) is not None else -inf)}
    return sorted(ok(results), key=keys[key])


def marks(results: list[dict]) -> dict[int, list[str]]:
    """id(result) -> ['fast', 'small'] for the fastest p50 and the smallest size (ties share it)."""
    rows = ok(results)
    out: dict[int, list[str]] = {id(m): [] for m in rows}
    if not rows:
        return out
    fastest = min(m["latency_ms"]["p50"] for m in rows)
    smallest = min(m["size_bytes"] for m in rows)
    for m in rows:
        out[id(m)] += (["fast"] if m["latency_ms"]["p50"] == fastest else []) + \
            (["small"] if m["size_bytes"] == smallest else [])
    return out


def fmt_size(n: int | None) -> str:
    if n is None:
        return "-"
    for unit in ("B", "KiB", "MiB"):
        if n < 1024:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"


def fmt_ms(v: float | None) -> str:
    if v is None:
        return "-"
    return f"{v:.3f}" if v < 100 else f"{v:.1f}"


def ci_cell(lat: dict) -> str:
    """The p50's 95% interval as the larger relative half-width."""
    ci, p50 = lat.get("p50_ci95"), lat.get("p50")
    if not ci or not p50:
        return "-"
    return f"±{100 * max(p50 - ci[0], ci[1] - p50) / p50:.1f}%"


def quality_cell(m: dict) -> str:
    if m.get("accuracy") and m["accuracy"].get("top1") is not None:
        return f"{100 * m['accuracy']['top1']:.2f}%"
    q = quality(m)
    return f"cos {q:.4f}" if q is not None else "-"


def details(m: dict) -> list[str]:
    """Runner-specific figures, one line each, printed below the table."""
    lines = []
    tp = m.get("throughput") or {}
    if tp.get("from_wall_ips") and tp.get("from_median_ips"):  # too few runs leave the median rate unset
        lines.append(f"throughput {tp['from_median_ips']:.0f}/s from the median, {tp['from_wall_ips']:.0f}/s from the "
                     f"wall time of {m['runs']} runs (batch {tp['batch']})")
    if m.get("peak_rss_bytes"):
        lines.append(f"peak RSS {m['peak_rss_bytes'] / 2**20:.0f} MiB; load {m['load_ms']:.1f} ms"
                     + (f"; threads {m['threads']}" if m.get("threads") else ""))
    if m.get("instructions_per_inference"):
        rb = m["ram_breakdown"]
        lines.append(f"{m['machine']}: {m['instructions_per_inference']:,} instructions/inference; flash "
                     f"{m['flash_bytes']:,} B; RAM {m['ram_bytes']:,} B (arena {rb['arena']:,}, I/O "
                     f"{rb['io_buffers']:,}, data {rb['data']:,}, bss {rb['bss']:,}) + stack {rb['stack']:,} B")
        if m.get("estimated_cycles"):
            lines.append(f"{m['estimated_cycles']:,} estimated cycles/inference ({m['macs_per_cycle']:.3f} MAC/cycle, "
                         f"{m['macs_per_instruction']:.3f} MAC/instruction)")
        lines.append(f"latency basis: {m['latency_basis']}")
    if m.get("remote"):
        lines.append(f"measured on {m['remote']}")
    lg = m.get("loadgen")
    if lg:
        lines.append(loadgen_line(lg))
        lines += [f"  | {s.strip()}" for s in lg.get("summary_lines", []) if not s.startswith(("SUT name", "Mode"))]
    if m.get("accuracy"):
        a = m["accuracy"]
        lines.append(f"accuracy {100 * a['top1']:.2f}% top-1 on {a['samples']} samples ({a['source']})")
    lines += m.get("notes", []) + [f"warning: {w}" for w in m.get("warnings", [])]
    return lines


def loadgen_line(lg: dict) -> str:
    v = lg.get("metric_value")
    if v is None:
        fig = "no figure"
    elif "latency" in lg["metric"]:
        fig = f"{lg['metric'].replace(' (ns)', '')} {v / 1e6:.3f} ms"
    else:
        fig = f"{lg['metric']} {v:.1f}"
        b = lg.get("samples_per_inference") or 1
        fig += f" ({v * b:.0f} items/s at batch {b})" if b > 1 else ""
    s = f"LoadGen {lg['scenario']} ({lg.get('mode', 'performance')}): {lg['result']}: {fig}"
    if lg["scenario"] == "Server":
        s += (f"; target {lg['target_qps']:g} qps, bound {lg['target_latency_ms']:g} ms "
              f"{'held' if lg['latency_bound_held'] else 'NOT held'}")
    if lg.get("log_dir"):
        s += f"; logs: {lg['log_dir']}"
    return s
