"""`bench --report DIR`: bench.json (the full report), bench.md (tables, details, charts) and PNGs.
LoadGen's own logs are already in DIR/loadgen/<nn>-<artifact>/."""
from __future__ import annotations

import json
from pathlib import Path

from edgecompile.errors import MissingExtraError


def markdown(report: dict, sort: str, charts: list[str], cmp: dict | None) -> str:
    from edgecompile.bench import rows

    m = report["machine"]
    st = report["settings"]
    how = f"LoadGen {st['scenario']} ({st['mode']})" if st.get("scenario") else f"plain timer, {st['runs']} runs"
    out = [f"# edgecompile bench ({how})", "",
           f"Machine: {m['cpu']}, {m['cores']} cores, {m['arch']}, {m['os']}, Python {m['python']}. "
           f"Schema `{report['schema']}`. Tools: " + ", ".join(f"{k} {v}" for k, v in report["tools"].items()), "",
           "| artifact | backend | precision | size | p50 ms | p50 95% CI | p90 ms | p99 ms | inf/s (median) "
           "| inf/s (wall) | accuracy / parity | |", "|" + "---|" * 12]
    marks = rows.marks(report["results"])
    for r in rows.sort_results(report["results"], sort):
        lat, tp = r["latency_ms"], r.get("throughput") or {}
        ci = lat.get("p50_ci95")
        wall = tp.get("from_wall_ips")
        out.append(f"| {r['name']} | {r['backend']} | {r['precision']} | {rows.fmt_size(r['size_bytes'])} | "
                   f"{rows.fmt_ms(lat['p50'])} | {f'{ci[0]:.4f}-{ci[1]:.4f}' if ci else '-'} | {rows.fmt_ms(lat['p90'])} "
                   f"| {rows.fmt_ms(lat['p99'])} | {tp.get('from_median_ips') or 0:.0f} | "
                   f"{f'{wall:.0f}' if wall else '-'} | {rows.quality_cell(r)} | "
                   f"{' '.join(marks.get(id(r), []))} |")
    out.append("")
    for r in rows.sort_results(report["results"], sort):
        lines = rows.details(r) + [f"manifest sha256 `{r['manifest_sha256'][:16]}`"]
        out += [f"**{r['name']}** ({r['artifact']})", ""] + [f"- {ln}" for ln in lines] + [""]
    errors = [r for r in report["results"] if "error" in r]
    if errors:
        out += ["## Errors", ""] + [f"- **{r['name']}**: {r['error']}" for r in errors] + [""]
    if cmp:
        out += [f"## Compared with {cmp['baseline']} (bound {cmp['max_regression_pct']:g}%)", ""]
        out += [f"- warning: {w}" for w in cmp["warnings"]]
        for row in cmp["rows"]:
            if row["status"] == "new":
                out.append(f"- {row['name']}: not in the baseline")
                continue
            ci = row["change_ci95_pct"]
            out.append(f"- {row['name']}: {row['change_pct']:+.1f}% "
                       f"({f'95% CI {ci[0]:+.1f}% to {ci[1]:+.1f}%' if ci else 'no interval'}): {row['status']}")
        out.append("")
    out += [f"![{c}]({c})" for c in charts]
    return "\n".join(out) + "\n"


def write(report: dict, folder: str, sort: str = "latency", cmp: dict | None = None) -> list[Path]:
    from edgecompile.bench import charts, rows

    d = Path(folder)
    d.mkdir(parents=True, exist_ok=True)
    (d / "bench.json").write_text(json.dumps({**report, **({"compare": cmp} if cmp else {})}, indent=1) + "\n")
    made: list[Path] = []
    good = rows.ok(report["results"])
    if good:
        try:
            made = [charts.latency_vs_quality(good, d / "latency_vs_quality.png"),
                    charts.latency_distribution(good, d / "latency_distribution.png")]
            made += [p for p in [charts.cortex_m_memory(good, d / "cortex_m_memory.png")] if p]
        except ImportError as e:
            raise MissingExtraError("bench report charts", "bench", f"matplotlib: {e}") from e
    (d / "bench.md").write_text(markdown(report, sort, [p.name for p in made], cmp))
    return [d / "bench.json", d / "bench.md", *made]
