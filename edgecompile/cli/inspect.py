"""edgecompile inspect MODEL"""
from __future__ import annotations

import click

from edgecompile.cli.options import echo_json, input_shape_option, json_option, model_argument, shapes, weights_option


@click.command("inspect")
@model_argument
@weights_option
@input_shape_option
@click.option("--layers", default=10, show_default=True, help="How many of the costliest layers to list.")
@click.option("--no-extras", is_flag=True,
              help="Skip the backends' own reports (e.g. tflite's GPU-delegate share, which converts the model).")
@json_option
def command(model, weights, input_shape, layers, no_extras, as_json):
    """Inputs/outputs, parameters, MACs per layer, op histogram, peak activation memory, backend support."""
    from edgecompile.cli.render import print_inspect
    from edgecompile.inspection import inspect_model

    report = inspect_model(model, shapes(input_shape), weights, extras=not no_extras)
    if as_json:
        echo_json(report)
    else:
        print_inspect(report, layers)
