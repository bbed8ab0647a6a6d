"""Statistics -> float ranges (lo, hi): minmax, percentile, entropy (KL, TensorRT-style) and mse.

Every method returns a sub-range of the observed [min, max]; flavors widen it to include zero.
"""
from __future__ import annotations

import numpy as np

from edgecompile.quant.stats import BINS, TensorStats

METHODS = ("minmax", "percentile", "entropy", "mse")
PERCENTILE = 99.99  # kept per side: clips the 0.01% most extreme values at each end
CANDIDATES = 96  # thresholds tried by entropy and mse


def minmax(s: TensorStats) -> tuple[float, float]:
    return float(s.lo), float(s.hi)


def percentile(s: TensorStats, p: float = PERCENTILE) -> tuple[float, float]:
    cdf = np.concatenate([[0.0], np.cumsum(s.hist) / s.hist.sum()])
    q = 1 - p / 100
    lo, hi = np.interp([q, 1 - q], cdf, s.edges)
    return max(float(lo), s.lo), min(float(hi), s.hi)


def _abs_hist(s: TensorStats) -> tuple[np.ndarray, float]:
    """|x| histogram over [0, max|x|] with the signed histogram's bin width."""
    half = BINS // 2
    folded = s.hist[half:] + s.hist[:half][::-1]
    width = s.radius / half
    used = max(1, int(np.ceil(max(abs(s.lo), abs(s.hi)) / width)))
    return folded[:used].astype(np.float64), width


def _candidates(n: int, levels: int) -> np.ndarray:
    if n <= levels:
        return np.array([n])
    return np.unique(np.linspace(levels, n, CANDIDATES).astype(int))


def _kl(hist: np.ndarray, i: int, levels: int) -> float:
    """KL(P||Q): P = hist clipped at bin i (outliers folded into the last bin), Q = P on `levels` steps."""
    p = hist[:i].copy()
    p[-1] += hist[i:].sum()
    sliced = hist[:i]
    nz = sliced > 0
    starts = np.unique(np.linspace(0, i, levels + 1).astype(int)[:-1])
    sums = np.add.reduceat(sliced, starts)
    counts = np.add.reduceat(nz.astype(np.float64), starts)
    chunk = np.searchsorted(starts, np.arange(i), side="right") - 1
    q = np.where(nz, sums[chunk] / np.maximum(counts[chunk], 1), 0.0)
    eps = 1e-12
    p, q = p / p.sum(), (q + eps * (p > 0)) / (q.sum() + eps)
    mask = p > 0
    return float(np.sum(p[mask] * np.log(p[mask] / np.maximum(q[mask], eps))))


def _clip(s: TensorStats, t: float) -> tuple[float, float]:
    return max(s.lo, -t), min(s.hi, t)


def entropy(s: TensorStats) -> tuple[float, float]:
    hist, width = _abs_hist(s)
    if hist.sum() == 0:
        return minmax(s)
    levels = 128 if s.lo < 0 else 256  # a signed tensor spends half the grid on each side
    cands = _candidates(len(hist), levels)
    best = min(cands, key=lambda i: _kl(hist, int(i), levels))
    return _clip(s, best * width)


def mse(s: TensorStats) -> tuple[float, float]:
    """The clipping threshold whose 8-bit grid has the least expected squared error on the histogram."""
    hist, width = _abs_hist(s)
    if hist.sum() == 0:
        return minmax(s)
    centres = (s.edges[:-1] + s.edges[1:]) / 2
    counts = s.hist.astype(np.float64)
    keep = counts > 0
    centres, counts = centres[keep], counts[keep]

    def err(t: float) -> float:
        lo, hi = _clip(s, t)
        lo, hi = min(lo, 0.0), max(hi, 0.0)
        step = (hi - lo) / 255 or 1e-12
        clipped = np.clip(centres, lo, hi)
        e = np.where(clipped == centres, step * step / 12, (centres - clipped) ** 2)
        return float(np.sum(counts * e))

    cands = _candidates(len(hist), 32)
    best = min(cands, key=lambda i: err(i * width))
    return _clip(s, best * width)


def compute(s: TensorStats, method: str) -> tuple[float, float]:
    if s.hist is None or s.count == 0:
        return 0.0, 0.0
    lo, hi = {"minmax": minmax, "percentile": percentile, "entropy": entropy, "mse": mse}[method](s)
    return float(lo), float(hi)
