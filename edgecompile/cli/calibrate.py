"""edgecompile calibrate MODEL --calib SRC"""
from __future__ import annotations

import click

from edgecompile.cli.options import echo_json, input_shape_option, json_option, model_argument, shapes, weights_option


@click.command("calibrate")
@model_argument
@click.option("--calib", required=True, help="Calibration data: .npy/.npz, image folder, calibration/*.toml, "
              "'module:function', 'digits', or 'random'.")
@click.option("--calib-samples", type=click.IntRange(1, 1_000_000), default=None, help="Calibration samples to use (default 200).")
@click.option("--calib-method", type=click.Choice(["minmax", "percentile", "entropy", "mse"]), default="minmax",
              show_default=True, help="How ranges are chosen from the statistics.")
@click.option("--no-cache", is_flag=True, help="Recompute even when the cache holds this table.")
@weights_option
@input_shape_option
@json_option
def command(model, calib, calib_samples, calib_method, no_cache, weights, input_shape, as_json):
    """Compute (or reuse from the cache) the INT8 range table and print it."""
    from edgecompile import frontends
    from edgecompile.core.graph import io_specs
    from edgecompile.passes.pipeline import normalize
    from edgecompile.quant.qdq import activation_params
    from edgecompile.quant.sources import load_samples
    from edgecompile.quant.table import cache_dir, calibrate

    norm = normalize(frontends.load(model, weights, shapes(input_shape)).model, shapes(input_shape))
    feeds, info = load_samples(calib, io_specs(norm.model)[0], calib_samples)
    table, cached = calibrate(norm.model, feeds, info["sha256"], calib_method, use_cache=not no_cache)
    if as_json:
        echo_json({"calibration": info, "cached": cached, "cache": str(cache_dir()), **table.to_json()})
        return
    from rich.table import Table

    from edgecompile.cli.render import console

    c = console()
    if "warning" in info:
        c.print(f"warning: {info['warning']}")
    t = Table(title=f"range table {table.key[:12]} ({calib_method}, {table.samples} samples of {info['source']}, "
                    f"{'from the cache' if cached else 'computed'})", title_justify="left")
    for col in ("tensor", "min", "max", "s8 scale", "s8 zero point"):
        t.add_column(col, justify="left" if col == "tensor" else "right")
    for name, (lo, hi) in table.ranges.items():
        scale, zp, _ = activation_params(lo, hi, "onnxruntime")
        t.add_row(name, f"{lo:.5g}", f"{hi:.5g}", f"{scale:.5g}", str(zp))
    c.print(t)
