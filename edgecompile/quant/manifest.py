"""calibration/*.toml: a named calibration source with its preprocessing and sample count.

    name = "digits"
    source = "digits"          # .npy/.npz or image folder (relative to this file), 'module:function', 'digits'
                               # ('module:function' and 'file.py:function' run Python, found in this file's folder)
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
MAX_MANIFEST_BYTES = 1 << 20


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
    if p.exists():
        raise CalibrationError(f"Calibration manifest '{path}' is not a regular file.")
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
    if p.stat().st_size > MAX_MANIFEST_BYTES:
        raise CalibrationError(f"Calibration manifest '{p}' is {p.stat().st_size} bytes; manifests are small text files.")
    raw = p.read_bytes()
    try:
        d = tomllib.loads(raw.decode())
    except (ValueError, RecursionError) as e:  # UnicodeDecodeError and TOMLDecodeError are ValueErrors
        raise CalibrationError(f"Calibration manifest '{p}' is not valid TOML: {str(e)[:300]}") from None
    unknown = sorted(set(d) - KEYS)
    if unknown:
        raise CalibrationError(f"Calibration manifest '{p}': unknown keys {unknown}; known: {sorted(KEYS)}.")
    if not isinstance(d.get("source"), str):
        raise CalibrationError(f"Calibration manifest '{p}' needs source = \"...\" (a file, folder, "
                               f"'module:function', 'digits' or 'random').")
    from edgecompile.quant.sources import MAX_SAMPLES

    samples, seed = d.get("samples"), d.get("seed", 0)
    if samples is not None and (type(samples) is not int or not 1 <= samples <= MAX_SAMPLES):
        raise CalibrationError(f"Calibration manifest '{p}': samples must be an integer from 1 to {MAX_SAMPLES}, "
                               f"got {samples!r}.")
    if type(seed) is not int or not 0 <= seed < 2**63:
        raise CalibrationError(f"Calibration manifest '{p}': seed must be a non-negative integer, got {seed!r}.")
    for key in ("name", "description"):
        if key in d and not isinstance(d[key], str):
            raise CalibrationError(f"Calibration manifest '{p}': {key} must be a string, got {d[key]!r}.")
    pre = d.get("preprocess")
    if pre is not None and not isinstance(pre, dict):
        raise CalibrationError(f"Calibration manifest '{p}': [preprocess] must be a table.")
    return CalibManifest(
        name=str(d.get("name", p.stem)), source=d["source"], samples=samples, seed=seed,
        preprocess=Preprocess.from_dict(pre, str(p)) if pre is not None else None,
        base=p.parent, sha256=hashlib.sha256(raw).hexdigest())
