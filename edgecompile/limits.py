"""Size limits on what edgecompile reads or allocates for a user's data, checked against declared sizes
before any allocation, so a hostile file (a zip bomb, a huge declared shape) fails with a clear error
instead of exhausting memory. One knob raises them: the EDGECOMPILE_MAX_BYTES environment variable."""
from __future__ import annotations

import os

ENV = "EDGECOMPILE_MAX_BYTES"
DEFAULT_MAX_BYTES = 2 << 30  # 2 GiB: far above any edge model's tensors or calibration set
MAX_IMAGE_SIDE = 16384  # pixels per side after resize/crop


def max_bytes() -> int:
    try:
        return max(1, int(os.environ.get(ENV, DEFAULT_MAX_BYTES)))
    except ValueError:
        return DEFAULT_MAX_BYTES


def over(nbytes: int, what: str) -> str | None:
    """None when `nbytes` fits, else the one-paragraph reason naming the limit and how to raise it."""
    limit = max_bytes()
    if nbytes <= limit:
        return None
    return (f"{what} would need {_fmt(nbytes)}, more than edgecompile's limit of {_fmt(limit)} for one "
            f"input; if that is intended, raise it with the environment variable {ENV}=<bytes>.")


def _fmt(n: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)
