"""TFLite's quantized-multiplier arithmetic, computed at compile time in Python.

These mirror tensorflow/lite/kernels/internal/quantization_util.cc (double rounding build,
the default), so the integer constants the C code uses are the ones TFLite's kernels use.
"""
from __future__ import annotations

import math


def _round_away(x: float) -> int:
    """std::round: halves away from zero (TfLiteRound)."""
    return int(math.floor(x + 0.5)) if x >= 0 else -int(math.floor(-x + 0.5))


def quantize_multiplier(m: float) -> tuple[int, int]:
    """real multiplier -> (int32 significand in [2^30, 2^31), shift) with m ~= q * 2^(shift-31)."""
    if m == 0.0:
        return 0, 0
    q, shift = math.frexp(m)
    q_fixed = _round_away(q * (1 << 31))
    if q_fixed == (1 << 31):
        q_fixed //= 2
        shift += 1
    if shift < -31:
        return 0, 0
    return int(q_fixed), int(shift)


def conv_multiplier(in_scale: float, w_scale: float, out_scale: float) -> tuple[int, int]:
    """Per-channel conv/FC requantization: double(in) * double(w) / double(out), as TFLite."""
    return quantize_multiplier(float(in_scale) * float(w_scale) / float(out_scale))


def add_params(s1: float, s2: float, so: float, left_shift: int = 20) -> dict:
    """TFLite int8 ADD: both inputs rescaled to twice the larger scale, 20 bits of headroom."""
    twice_max = 2.0 * max(float(s1), float(s2))
    m1, sh1 = quantize_multiplier(float(s1) / twice_max)
    m2, sh2 = quantize_multiplier(float(s2) / twice_max)
    mo, sho = quantize_multiplier(twice_max / ((1 << left_shift) * float(so)))
    return {"left_shift": left_shift, "m1": m1, "s1": sh1, "m2": m2, "s2": sh2, "mo": mo, "so": sho}


def softmax_params(in_scale: float, beta: float = 1.0, integer_bits: int = 5) -> tuple[int, int, int]:
    """(input_multiplier, input_left_shift, diff_min) of TFLite's reference int8 softmax."""
    real = min(float(beta) * float(in_scale) * (1 << (31 - integer_bits)), (1 << 31) - 1.0)
    mult, left = quantize_multiplier(real)
    radius = math.floor(((1 << integer_bits) - 1) * (1 << (31 - integer_bits)) / (1 << left))
    return mult, left, -int(radius)


def activation_range(kind: str | None, scale: float, zp: int, lo: float | None = None,
                     hi: float | None = None) -> tuple[int, int]:
    """Quantized clamp bounds of a fused Relu/Clip (TFLite's CalculateActivationRangeQuantized)."""
    qmin, qmax = -128, 127
    if kind == "relu":
        return max(qmin, zp), qmax
    if kind == "clip":
        a = qmin if lo is None else max(qmin, zp + _round_away(lo / scale))
        b = qmax if hi is None else min(qmax, zp + _round_away(hi / scale))
        return a, b
    return qmin, qmax
