"""The ranges of the C types that hold a model's numbers: every value is checked when the model is
lowered, and one that does not fit is an UnsupportedOpError naming the node and the limit."""
from __future__ import annotations

import numpy as np

from edgecompile.errors import UnsupportedOpError

RANGE = {"int8_t": (-128, 127), "int16_t": (-32768, 32767), "int32_t": (-(2**31), 2**31 - 1)}


def fit(where: str, what: str, values, ctype: str) -> None:
    """Every one of `values` (a number, a dict of them, or an array) fits `ctype`."""
    lo, hi = RANGE[ctype]
    items = values.items() if isinstance(values, dict) else [(what, values)]
    for name, v in items:
        arr = np.asarray(v, dtype=np.float64)
        if arr.size and (arr.min() < lo or arr.max() > hi):
            bad = arr.max() if arr.max() > hi else arr.min()
            raise UnsupportedOpError(f"c: '{where}': {name} = {int(bad)} does not fit the C kernels' {ctype} "
                                     f"(range {lo} to {hi}).")


def accumulator(where: str, taps: int, bias: np.ndarray) -> None:
    """int8 dot products of `taps` terms (|x + offset| <= 255, |w| <= 128) plus the bias fit an int32."""
    worst = int(np.abs(bias.astype(np.int64)).max(initial=0)) + taps * 255 * 128
    fit(where, f"the int32 accumulator's bound (bias + {taps} taps x 255 x 128)", worst, "int32_t")


def multiplier_shift(where: str, shifts) -> None:
    """TFLite's requantization shifts: a left shift of at most 30 bits, a right shift of at most 31."""
    s = np.asarray(shifts)
    if s.size and (s.max() > 30 or s.min() < -31):
        raise UnsupportedOpError(f"c: '{where}': a requantization shift of {int(s.max() if s.max() > 30 else s.min())} "
                                 f"is outside the kernels' range (-31 to 30): the scales are too far apart.")
