"""The one cache folder (range tables, calibration samples, tuning logs): $EDGECOMPILE_CACHE, else
$XDG_CACHE_HOME/edgecompile, else ~/.cache/edgecompile."""
from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    if os.environ.get("EDGECOMPILE_CACHE"):
        return Path(os.environ["EDGECOMPILE_CACHE"])
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "edgecompile"
