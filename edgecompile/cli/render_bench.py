"""The bench report in a terminal: one table that fits 100 columns, details below it."""
from __future__ import annotations

import click

WIDTH = 100


def title(report: dict) -> str:
    st = report["settings"]
    if st.get("scenario"):
        return f"edgecompile bench: LoadGen {st['scenario']} ({st['mode']}); table: inference times in the SUT"
    return f"edgecompile bench: plain timer, {st['runs']} runs after {st['warmup']} warm-up"


def print_report(report: dict, sort: str = "latency", details: bool = True) -> None:
    from rich import box
    from rich.table import Table

    from edgecompile.bench import rows
    from edgecompile.cli.render import console

    c = console()
    c.width = min(c.width, WIDTH)
    t = Table(title=title(report), title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    cols = [("artifact", "left"), ("prec", "left"), ("size", "right"), ("p50 ms", "right"), ("±95%", "right"),
            ("p90 ms", "right"), ("p99 ms", "right"), ("inf/s*", "right"), ("acc/parity", "right"), ("", "left")]
    ordered = rows.sort_results(report["results"], sort)
    longest = min(max([len(m["name"]) for m in ordered] + [8]), 30)
    for name, justify in cols:
        t.add_column(name, justify=justify, no_wrap=name != "artifact", overflow="fold",
                     min_width=longest if name == "artifact" else None)
    mark = rows.marks(report["results"])
    for m in ordered:
        lat = m["latency_ms"]
        tp = (m.get("throughput") or {}).get("from_median_ips")
        t.add_row(m["name"], m["precision"], rows.fmt_size(m["size_bytes"]), rows.fmt_ms(lat["p50"]), rows.ci_cell(lat),
                  rows.fmt_ms(lat["p90"]), rows.fmt_ms(lat["p99"]), f"{tp:.0f}" if tp else "-", rows.quality_cell(m),
                  " ".join(mark.get(id(m), [])))
    if ordered:
        c.print(t)
        c.print("* inf/s from the median latency x batch (wall-time rate below); ±95%: the p50's confidence interval")
    for m in ordered:
        lines = rows.details(m) if details else [rows.loadgen_line(m["loadgen"])] if m.get("loadgen") else []
        if lines:
            c.print(f"{m['name']} ({m['backend']}, {m['runner']}):")
            for line in lines:
                click.echo(f"  {line}")  # plain echo: paths and log lines are copied, never re-wrapped
    for m in report["results"]:
        if "error" in m:
            click.echo(f"error: {m['name']}: {m['error']}", err=True)
    m = report["machine"]
    click.echo(f"machine: {m['cpu']}, {m['cores']} cores, {m['os']}")


def print_compare(cmp: dict) -> None:
    from edgecompile.cli.render import console

    c = console()
    for w in cmp["warnings"]:
        click.echo(f"warning: {w}", err=True)
    c.print(f"compare with {cmp['baseline']} (bound {cmp['max_regression_pct']:g}%, 95% confidence):")
    for row in cmp["rows"]:
        if row.get("status") == "new":
            c.print(f"  {row['name']}: not in the baseline")
            continue
        ci = row["change_ci95_pct"]
        ci_s = f"[{ci[0]:+.1f}%, {ci[1]:+.1f}%]" if ci else "[no interval]"
        extra = f" ({row['note']})" if row.get("note") else ""
        c.print(f"  {row['name']}: p50 {row['baseline_p50_ms']:.4f} -> {row['p50_ms']:.4f} ms, "
                f"{row['change_pct']:+.1f}% {ci_s}: {row['status']}{extra}")
