"""edgecompile quickstart"""
from __future__ import annotations

import click


@click.command("quickstart")
@click.option("--out", "-o", default="edgecompile-quickstart", show_default=True, help="Output folder.")
@click.option("--runs", default=200, show_default=True, help="Timed inferences per artifact.")
@click.option("--force", is_flag=True, help="Write into an existing folder the quickstart did not create.")
def command(out, runs, force):
    """Train a small CNN on the built-in digits data, build it for every backend available here at
    every precision, verify each artifact against ONNX Runtime, benchmark each, print one table."""
    from edgecompile import quickstart
    from edgecompile.cli.render import console, print_quickstart

    c = console()
    report = quickstart.run(out, runs, force, log=c.print)
    print_quickstart(report)
    raise SystemExit(0 if all(r.error is None for r in report.rows) else 1)
