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


def backend_options(values) -> dict:
    """`--option KEY=VALUE` pairs -> {key: value}; integers, floats and true/false become typed."""
    from edgecompile.errors import UsageError

    out = {}
    for item in values:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--option '{item}': expected KEY=VALUE, e.g. --option max_batch_size=16.")
        value: object = raw
        if raw.lower() in ("true", "false"):
            value = raw.lower() == "true"
        else:
            for cast in (int, float):
                try:
                    value = cast(raw)
                    break
                except ValueError:
                    pass
        out[key.strip().replace("-", "_")] = value
    return out
