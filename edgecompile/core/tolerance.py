"""Tolerance: how close an artifact must be to the fp32 ONNX Runtime reference."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tolerance:
    """None = not checked."""

    max_rel_err: float | None = None  # max |a-r| / max(|r|) over each output
    max_abs_err: float | None = None  # max |a-r|
    min_cosine: float | None = None  # cosine similarity of flattened outputs
    min_top1: float | None = None  # fraction of samples whose argmax agrees (class vectors)
