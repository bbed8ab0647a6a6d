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


class FiniteFloat(click.ParamType):
    """A float within [lo, hi] that is a real number: click's FloatRange lets 'nan' through."""

    name = "float"

    def __init__(self, lo: float | None = None, hi: float | None = None, lo_open: bool = False):
        self.lo, self.hi, self.lo_open = lo, hi, lo_open

    def convert(self, value, param, ctx):
        import math

        try:
            v = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number.", param, ctx)
        below = self.lo is not None and (v <= self.lo if self.lo_open else v < self.lo)
        if not math.isfinite(v) or below or (self.hi is not None and v > self.hi):
            lo = "" if self.lo is None else f"{'>' if self.lo_open else '>='} {self.lo:g}"
            hi = "" if self.hi is None else f"<= {self.hi:g}"
            self.fail(f"{value!r} is not a finite number {' and '.join(x for x in (lo, hi) if x)}.", param, ctx)
        return v


SEED = click.IntRange(0, 2**32 - 1)
COUNT = click.IntRange(1, 10_000_000)
