"""Options shared by several commands."""
from __future__ import annotations

import json

import click

model_argument = click.argument("model")
weights_option = click.option("--weights", help="PyTorch checkpoint for a 'file.py:Class' model.")
input_shape_option = click.option(
    "--input-shape", "input_shape", multiple=True, metavar="NAME=1x3x32x32",
    help="Fix an input's shape (repeatable). Dynamic dimensions default to 1.")
json_option = click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")


def shapes(values) -> dict:
    from edgecompile.frontends import parse_input_shapes

    return parse_input_shapes(values)


def echo_json(obj) -> None:
    click.echo(json.dumps(obj, indent=2, default=str))

