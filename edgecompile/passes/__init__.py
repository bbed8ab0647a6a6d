"""Normalization passes: one per file, each `run(model, ctx) -> (model, changed, detail)`."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class PassContext:
    input_shapes: dict[str, tuple[int, ...]] = field(default_factory=dict)  # user's --input-shape
    notes: list[str] = field(default_factory=list)  # user-facing notes the passes add


@dataclass(frozen=True)
class PassResult:
    name: str
    changed: bool
    detail: str = ""
