"""Parity metrics between an artifact's outputs and the reference's."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from edgecompile.core.tolerance import Tolerance


@dataclass
class OutputParity:
    name: str
    max_abs_err: float
    max_rel_err: float  # max |a-r| / max |r|: relative to the output's scale, robust to zeros
    cosine: float
    top1_agreement: float | None  # only for class vectors (rank-2 outputs, more than one class)


def within(err: float, magnitude: float, tol: float) -> bool:
    """|a-r| <= tol, absolute for outputs of magnitude <= 1 and relative to the largest output above.

    fp32 kernels that sum in another order differ by a few ulp of the result (a logit of 30 has an
    ulp of 2e-6), so a purely absolute bound would reject correct exports of trained models.
    """
    return err <= tol * max(1.0, magnitude)


def compare(name: str, ref: np.ndarray, got: np.ndarray) -> OutputParity:
    ref = np.asarray(ref, dtype=np.float64)
    got = np.asarray(got, dtype=np.float64).reshape(ref.shape)
    diff = np.abs(ref - got)
    scale = float(np.max(np.abs(ref))) if ref.size else 0.0
    a, b = ref.ravel(), got.ravel()
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    cosine = float(a @ b / (na * nb)) if na > 0 and nb > 0 else float(na == nb)
    top1 = None
    if ref.ndim == 2 and ref.shape[1] > 1:
        top1 = float(np.mean(ref.argmax(1) == got.argmax(1)))
    return OutputParity(
        name=name,
        max_abs_err=float(diff.max()) if diff.size else 0.0,
        max_rel_err=float(diff.max() / scale) if scale > 0 else float(diff.max() if diff.size else 0.0),
        cosine=cosine,
        top1_agreement=top1,
    )


def misses(p: OutputParity, tol: Tolerance) -> list[str]:
    out = []
    if tol.max_rel_err is not None and p.max_rel_err > tol.max_rel_err:
        out.append(f"max relative error {p.max_rel_err:.3g} > {tol.max_rel_err:.3g}")
    if tol.max_abs_err is not None and p.max_abs_err > tol.max_abs_err:
        out.append(f"max absolute error {p.max_abs_err:.3g} > {tol.max_abs_err:.3g}")
    if tol.min_cosine is not None and p.cosine < tol.min_cosine:
        out.append(f"cosine {p.cosine:.6f} < {tol.min_cosine}")
    if tol.min_top1 is not None and p.top1_agreement is not None and p.top1_agreement < tol.min_top1:
        out.append(f"top-1 agreement {p.top1_agreement:.3f} < {tol.min_top1}")
    return out
