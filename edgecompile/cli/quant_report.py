"""edgecompile quant-report ARTIFACT"""
from __future__ import annotations

import click

from edgecompile.cli.options import echo_json, json_option


@click.command("quant-report")
@click.argument("artifact")
@click.option("--model", "model_src", default=None, help="Source model, when the range-table cache no longer holds it.")
@click.option("--calib", default=None, help="Calibration data, when the cache no longer holds the build's samples.")
@click.option("--samples", default=64, show_default=True, help="Calibration samples to compare on.")
@click.option("--top", default=20, show_default=True, help="Rows to print (all with --json).")
@json_option
def command(artifact, model_src, calib, samples, top, as_json):
    """Per-layer SQNR between float and INT8 activations on the calibration set, worst first."""
    from edgecompile.quant.report import artifact_report

    rep = artifact_report(artifact, model_src, calib, samples)
    if as_json:
        echo_json(rep)
        return
    from rich.table import Table

    from edgecompile.cli.render import console

    c = console()
    kept = ", ".join(rep["keep_float"]) or "none"
    table = Table(title=f"{rep['target']} ({rep['flavor']} int8, {rep['method']} ranges, {rep['samples']} samples); "
                        f"kept in float: {kept}", title_justify="left")
    for col in ("layer", "op", "tensor", "SQNR dB"):
        table.add_column(col, justify="right" if col == "SQNR dB" else "left")
    for r in rep["layers"][:top]:
        table.add_row(r["node"] + (" (float)" if r["float"] else ""), r["op_type"], r["tensor"], f"{r['sqnr_db']:.1f}")
    c.print(table)
    c.print(f"compared: {rep['compared']}")
