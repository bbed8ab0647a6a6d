"""Human-readable tables for build and bench reports (rich)."""
from __future__ import annotations

import click


def console():
    import sys

    from rich.console import Console

    # piped output (CI logs, files) gets a wide table instead of rich's 80-column default
    # markup off: messages carry text like "pip install 'edgecompile[tflite]'" that rich would eat
    return Console(highlight=False, markup=False, width=None if sys.stdout.isatty() else 160)


def short(name: str, width: int = 48) -> str:
    """TFLite imports name tensors after every fused op; keep the distinctive tail."""
    return name if len(name) <= width else "..." + name[-(width - 3):]


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
    if "skipped" in p:  # built for another machine (cross-compiled, Core ML, a GPU engine)
        return "not run here"
    s = f"rel {p['max_rel_err']:.1e} cos {p['cosine']:.4f}"
    if p.get("top1_agreement") is not None:
        s += f" top1 {p['top1_agreement']:.2f}"
    return s


def fmt_parity_short(p: dict | None) -> str:
    """Parity in a narrow cell: cosine and top-1 agreement (the full numbers are in the manifest)."""
    if not p:
        return "-"
    if "skipped" in p:
        return "not run (cross)"
    s = f"cos {p['cosine']:.4f}"
    return s + (f" top1 {p['top1_agreement']:.2f}" if p.get("top1_agreement") is not None else "")


def _mcu(manifest: dict) -> str:
    """'flash/RAM' against the profile's budget for C artifacts, else '-'."""
    d = manifest.get("backend_details") or {}
    if "flash_bytes" not in d or "ram_bytes" not in d:
        return "-"

    def one(used, budget):
        return fmt_bytes(used) + (f" ({100 * used / budget:.0f}%)" if budget else "")
    return f"{one(d['flash_bytes'], d.get('flash_budget'))} / {one(d['ram_bytes'], d.get('ram_budget'))}"


def build_progress():
    """progress(event, ...) for driver.build: one line per target as it starts and ends (stderr, so
    --json output stays clean)."""
    def progress(event, *args):
        if event == "start":
            prof, precision = args
            click.echo(f"building {prof.name} {precision} ...", err=True)
        elif event == "end":
            r = args[0]
            status = "ok" if r.ok else ("skipped" if r.skipped else "FAILED")
            click.echo(f"  {r.target} {r.precision}: {status} in {r.seconds:.1f} s", err=True)
        elif event == "picked":
            click.echo(f"auto: measuring every candidate side by side; picked {args[0].backend} "
                       f"{args[0].precision}", err=True)
    return progress


def print_build_report(report) -> None:
    from rich.table import Table

    from edgecompile.artifact import Artifact

    c = console()
    for note in report.notes:
        c.print(f"note: {note}")
    manifests = {id(r): Artifact.open(r.path).manifest if r.ok and r.path else {} for r in report.results}
    accuracy = any("accuracy" in (m.get("quantization") or {}) for m in manifests.values())
    mcu = any(_mcu(m) != "-" for m in manifests.values())
    table = Table(title=f"edgecompile build: {report.source}", title_justify="left")
    cols = ["target", "prec", "status", "time", "size", "parity vs ORT fp32"]
    cols += ["accuracy"] * accuracy + ["flash / RAM (budget)"] * mcu
    for col in cols:
        table.add_column(col, justify="right" if col in ("time", "size", "accuracy") else "left")
    for r in report.results:
        m = manifests[id(r)]
        status = "ok" if r.ok else ("skipped" if r.skipped else "FAILED")
        row = [r.target, r.precision, status, f"{r.seconds:.1f}s",
               fmt_bytes(Artifact.open(r.path).size_bytes()) if m else "-", fmt_parity_short(r.parity)]
        if accuracy:
            acc = (m.get("quantization") or {}).get("accuracy")
            row.append(f"{acc:.2%}" if isinstance(acc, float) else "-")
        if mcu:
            row.append(_mcu(m))
        table.add_row(*row)
    c.print(table)
    ranking = getattr(report, "ranking", None)
    if ranking:
        print_ranking(ranking)
    # paths in full, below the table: a narrow terminal must not cut what the user copies
    for r in report.results:
        if r.path:
            click.echo(f"{r.target}-{r.precision}: {r.path}")
    for r in report.results:
        if r.error:  # plain echo: a paragraph the user may copy from, never re-wrapped
            label = f"{r.target} {r.precision}"
            text = r.error.removeprefix(f"{label}: ").removeprefix(f"{r.target}: ")
            click.echo(f"{'skipped' if r.skipped else 'failed'}: {label}: {text}")


def print_ranking(ranking: list[dict]) -> None:
    from rich.table import Table

    t = Table(title="auto: candidates measured side by side (batch 1)", title_justify="left")
    for col in ("#", "target", "prec", "p50 us", "size", "parity", "picked"):
        t.add_column(col, justify="right" if col in ("#", "p50 us", "size") else "left")
    for k, row in enumerate(ranking, 1):
        t.add_row(str(k), row["target"], row["precision"], f"{row['p50_us']:.1f}", fmt_bytes(row["size_bytes"]),
                  fmt_parity_short(row["parity"]) + (f" acc {row['accuracy']:.2%}" if row.get("accuracy") is not None
                                                     else ""),
                  "<- picked" if k == 1 and row["eligible"] else ("" if row["eligible"] else "misses bound"))
    console().print(t)


def _io(specs) -> str:
    return ", ".join(f"{s['name']} {'x'.join(map(str, s['shape']))} {s['dtype']}" + (f" {s['layout']}" if s.get("layout") else "")
                     for s in specs)


def print_inspect(r: dict, n_layers: int) -> None:
    from rich.table import Table

    c = console()
    c.print(f"{r['source']} ({r['kind']})", style="bold")
    for note in r["notes"]:
        c.print(f"note: {note}")
    c.print(f"inputs:  {_io(r['inputs'])}")
    c.print(f"outputs: {_io(r['outputs'])}")
    c.print(f"params:  {r['params']['count']:,} ({fmt_bytes(r['params']['bytes'])})")
    c.print(f"MACs:    {r['macs']['total']:,}")
    mem = r["activation_memory"]
    live = ", ".join(f"{short(t['tensor'])} ({t['bytes']:,} B)" for t in mem["live"])
    c.print(f"activation memory (whole-tensor liveness peak): {mem['peak_bytes']:,} B at step {mem['step']} ({short(mem['node'])}): {live}")
    c.print("ops:     " + ", ".join(f"{op} x{n}" for op, n in r["ops"].items()))
    layers = sorted(r["macs"]["layers"], key=lambda entry: -entry["macs"])[:n_layers]
    if layers:
        t = Table(title="costliest layers", title_justify="left")
        for col in ("node", "op", "MACs", "share"):
            t.add_column(col, justify="right" if col in ("MACs", "share") else "left")
        for entry in layers:
            t.add_row(short(entry["node"]), entry["op"], f"{entry['macs']:,}", f"{100 * entry['macs'] / max(r['macs']['total'], 1):.1f}%")
        c.print(t)
    t = Table(title="backend support", title_justify="left")
    t.add_column("backend")
    t.add_column("status")
    for name, s in r["support"].items():
        if not s["available"]:
            status = f"not installed: {s['reason']}"
        elif s["supported"]:
            status = "supported" + "".join(f"; {n}" for n in s["notes"])
        else:
            status = "; ".join(f"{u['op_type']} at {u['node_name']}: {u['reason']}" for u in s["unsupported"])
        t.add_row(name, status)
    c.print(t)
    for extra in r.get("extras", []):
        c.print(f"{extra['backend']}: {extra['title']}")
        for line in extra["lines"]:
            c.print(f"  {line}")


def print_quickstart(r) -> None:
    from rich.table import Table

    c = console()
    t = Table(title=f"edgecompile quickstart: digits CNN (PyTorch test accuracy {r.train_accuracy:.2%})",
              title_justify="left")
    for col in ("target", "precision", "size", "p50 ms", "p90 ms", "parity vs ORT fp32", "accuracy"):
        t.add_column(col, justify="right" if col in ("size", "p50 ms", "p90 ms", "accuracy") else "left")
    elsewhere: dict[str, list] = {}  # built and checked, but they run on their device only: one line each
    for row in r.rows:
        if row.error:
            t.add_row(row.target, row.precision, "-", "-", "-", "FAILED", "-")
        elif row.not_run:
            elsewhere.setdefault(row.target, []).append(row)
        else:
            t.add_row(row.target, row.precision, fmt_bytes(row.size_bytes), f"{row.p50_ms:.3f}",
                      f"{row.p90_ms:.3f}" if row.p90_ms is not None else "-",
                      fmt_parity(row.parity), f"{row.accuracy:.2%}")
    c.print(t)
    for row in r.rows:
        if row.error:
            label = f"{row.target} {row.precision}"
            click.echo(f"failed: {label}: {row.error.removeprefix(label + ': ')}")
    for target, rows in elsewhere.items():
        why = rows[0].not_run.split(": ", 1)[-1].split("; ")[0]
        click.echo(f"built, not run here: {target} {', '.join(x.precision for x in rows)}: {why}")
    if r.unavailable:
        c.print("not built here:")
        for name, why in r.unavailable.items():
            c.print(f"  {name}: {why}")
    c.print(f"model:     {r.model_path}")
    c.print(f"artifacts: {r.out / 'artifacts'}/<target>-<precision>/ (each with manifest.json)")
    c.print(f"done in {r.seconds:.1f} s. Next:")
    c.print(f"  edgecompile inspect {r.model_path}")
    c.print(f"  edgecompile build {r.model_path} --target all --calib digits --out build")
    c.print(f"  edgecompile bench {r.out / 'artifacts'}/*")
