"""calibration/*.toml: a named calibration source with its preprocessing and sample count.

    name = "digits"
    source = "digits"          # .npy/.npz or image folder (relative to this file), 'module:function', 'digits'
    samples = 200              # optional; --calib-samples overrides
    seed = 0                   # optional; the shuffle's seed
    [preprocess]               # optional; for image folders (see edgecompile.quant.images.Preprocess)
    resize = [32, 32]
    mean = [0.485, 0.456, 0.406]
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from edgecompile.errors import CalibrationError

KEYS = {"name", "source", "samples", "seed", "preprocess", "description"}


@dataclass(frozen=True)
class CalibManifest:
    name: str
    source: str
    samples: int | None
    seed: int
    preprocess: "object | None"  # images.Preprocess
    base: Path  # the manifest's folder: relative sources resolve here
    sha256: str  # of the manifest file's bytes; recorded in every artifact built with it


def _find(path: str) -> Path:
    p = Path(path)
    if p.is_file():
        return p
    # 'calibration/digits.toml' also resolves against the manifests shipped in the wheel
    shipped = Path(__file__).resolve().parent.parent / "_data" / "calibration" / p.name
    repo = Path(__file__).resolve().parent.parent.parent / "calibration" / p.name
    for cand in (shipped, repo):
        if cand.is_file():
            return cand
    raise CalibrationError(f"Calibration manifest '{path}' does not exist.")


def read_manifest(path: str) -> CalibManifest:
    import tomllib

    from edgecompile.quant.images import Preprocess

    p = _find(path)
    raw = p.read_bytes()
    try:
        d = tomllib.loads(raw.decode())
    except Exception as e:
        raise CalibrationError(f"Calibration manifest '{p}' is not valid TOML: {e}") from e
    unknown = sorted(set(d) - KEYS)
    if unknown:
        raise CalibrationError(f"Calibration manifest '{p}': unknown keys {unknown}; known: {sorted(KEYS)}.")
    if not isinstance(d.get("source"), str):
        raise CalibrationError(f"Calibration manifest '{p}' needs source = \"...\" (a file, folder, "
                               f"'module:function', 'digits' or 'random').")
    samples = d.get("samples")
    if samples is not None and (not isinstance(samples, int) or samples < 1):
        raise CalibrationError(f"Calibration manifest '{p}': samples must be a positive integer, got {samples!r}.")
    pre = d.get("preprocess")
    if pre is not None and not isinstance(pre, dict):
        raise CalibrationError(f"Calibration manifest '{p}': [preprocess] must be a table.")
    return CalibManifest(
        name=str(d.get("name", p.stem)), source=d["source"], samples=samples, seed=int(d.get("seed", 0)),
        preprocess=Preprocess.from_dict(pre, str(p)) if pre is not None else None,
        base=p.parent, sha256=hashlib.sha256(raw).hexdigest())
