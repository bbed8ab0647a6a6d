"""Human-readable tables for build and bench reports (rich)."""
from __future__ import annotations


def console():
    import sys

    from rich.console import Console

    # piped output (CI logs, files) gets a wide table instead of rich's 80-column default
    return Console(highlight=False, width=None if sys.stdout.isatty() else 160)


def fmt_bytes(n: int | None) -> str:
    if n is None:
        return "-"
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def fmt_parity(p: dict | None) -> str:
    if not p:
        return "not verified"
    s = f"rel {p['max_rel_err']:.1e} cos {p['cosine']:.4f}"
    if p.get("top1_agreement") is not None:
        s += f" top1 {p['top1_agreement']:.2f}"
    return s


def print_build_report(report) -> None:
    from rich.table import Table

    c = console()
    for note in report.notes:
        c.print(f"note: {note}")
    table = Table(title=f"edgecompile build: {report.source}", title_justify="left")
    for col in ("target", "precision", "status", "parity vs ORT fp32", "artifact"):
        table.add_column(col)
    for r in report.results:
        status = "ok" if r.ok else ("skipped" if r.skipped else "FAILED")
        table.add_row(r.target, r.precision, status, fmt_parity(r.parity), str(r.path) if r.path else "-")
    c.print(table)
    for r in report.results:
        if r.error:
            c.print(f"{'skipped' if r.skipped else 'failed'}: {r.target} {r.precision}: {r.error}")
