"""Image folders -> model-ready arrays, through an explicit preprocessing spec."""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np

from edgecompile.core.tensor import TensorSpec
from edgecompile.errors import CalibrationError
from edgecompile.limits import MAX_IMAGE_SIDE

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".ppm", ".pgm")


@dataclass(frozen=True)
class Preprocess:
    """How one image file becomes one model input. Defaults follow the model's input shape."""

    resize: tuple[int, int] | None = None  # (height, width) to resize to; None = the input's H x W
    crop: tuple[int, int] | None = None  # centre crop (height, width) after the resize; None = none
    scale: float = 1 / 255  # pixel values (0..255) are multiplied by this first
    mean: tuple[float, ...] = (0.0,)  # per channel, subtracted after scaling
    std: tuple[float, ...] = (1.0,)  # per channel, divided after subtracting the mean
    channels: str | None = None  # "RGB", "BGR" or "L"; None = from the input (1 channel -> L, else RGB)
    layout: str | None = None  # "NCHW" or "NHWC"; None = guessed from the input shape
    dtype: str | None = None  # numpy dtype of the result; None = the input's dtype

    @classmethod
    def from_dict(cls, d: dict, label: str) -> "Preprocess":
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise CalibrationError(f"{label}: unknown preprocessing keys {unknown}; known: {sorted(known)}.")
        d = dict(d)
        for k in ("resize", "crop", "mean", "std"):
            if k in d and d[k] is not None:
                v = d[k]
                d[k] = tuple(v) if isinstance(v, (list, tuple)) else (v, v) if k in ("resize", "crop") else (v,)
        _check_numbers(d, label)
        if d.get("layout") not in (None, "NCHW", "NHWC"):
            raise CalibrationError(f"{label}: layout must be NCHW or NHWC, got {d['layout']!r}.")
        if d.get("channels") not in (None, "RGB", "BGR", "L"):
            raise CalibrationError(f"{label}: channels must be RGB, BGR or L, got {d['channels']!r}.")
        return cls(**d)

    def to_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _number(v) -> bool:
    return type(v) in (int, float) and math.isfinite(v)


def _check_numbers(d: dict, label: str) -> None:
    """Types and ranges of the numeric keys, so a bad spec fails here, not deep inside numpy or PIL."""
    for k in ("resize", "crop"):
        v = d.get(k)
        if v is not None and (len(v) != 2 or not all(type(x) is int and 1 <= x <= MAX_IMAGE_SIDE for x in v)):
            raise CalibrationError(f"{label}: {k} must be [height, width] of integers from 1 to {MAX_IMAGE_SIDE}, "
                                   f"got {list(v)!r}.")
    for k in ("mean", "std"):
        v = d.get(k)
        if v is not None and (not 1 <= len(v) <= 4 or not all(_number(x) for x in v)):
            raise CalibrationError(f"{label}: {k} must be 1 to 4 finite numbers (one per channel), got {list(v)!r}.")
    if d.get("std") is not None and any(x == 0 for x in d["std"]):
        raise CalibrationError(f"{label}: std must not be 0, got {list(d['std'])!r}.")
    if "scale" in d and not (_number(d["scale"]) and d["scale"] != 0):
        raise CalibrationError(f"{label}: scale must be a finite non-zero number, got {d['scale']!r}.")
    if d.get("dtype") is not None:
        try:
            ok = isinstance(d["dtype"], str) and np.dtype(d["dtype"]).kind in "iuf"
        except TypeError:
            ok = False
        if not ok:
            raise CalibrationError(f"{label}: dtype must name a numeric type such as 'float32' or 'int8', "
                                   f"got {d['dtype']!r}.")


def guess_layout(shape: tuple[int, ...]) -> str:
    """NCHW unless the last axis looks like channels and the second does not."""
    if len(shape) == 4 and shape[-1] in (1, 3, 4) and shape[1] not in (1, 3, 4):
        return "NHWC"
    return "NCHW"


def image_files(folder: Path) -> list[Path]:
    """Every image under `folder` (class sub-folders included), in a stable order."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)


def load_image(path: Path, spec: TensorSpec, pre: Preprocess) -> np.ndarray:
    """One file -> an array of the input's shape (batch 1), or CalibrationError naming the file."""
    from PIL import Image

    if len(spec.shape) != 4 or spec.shape[0] != 1:
        raise CalibrationError(f"{path}: image folders feed 4-D batch-1 inputs; input '{spec.name}' is {spec.shape}.")
    layout = pre.layout or guess_layout(spec.shape)
    c, h, w = (spec.shape[1:] if layout == "NCHW" else (spec.shape[3], spec.shape[1], spec.shape[2]))
    channels = pre.channels or ("L" if c == 1 else "RGB")
    if (channels == "L") != (c == 1):
        raise CalibrationError(f"{path}: preprocessing asks for {channels} but input '{spec.name}' has {c} channels.")
    try:
        with warnings.catch_warnings(), Image.open(path) as im:
            warnings.simplefilter("error", Image.DecompressionBombWarning)  # a pixel bomb fails, quietly
            im = im.convert("L" if channels == "L" else "RGB")
            rh, rw = pre.resize or (pre.crop and (h, w)) or (h, w)
            im = im.resize((rw, rh), Image.BILINEAR)
            x = np.asarray(im, dtype=np.float32)
    except Exception as e:
        raise CalibrationError(f"Cannot read image {path}: {e}. Expected an image file PIL can open.") from e
    if x.ndim == 2:
        x = x[:, :, None]
    if channels == "BGR":
        x = x[:, :, ::-1]
    if pre.crop:
        ch, cw = pre.crop
        top, left = (x.shape[0] - ch) // 2, (x.shape[1] - cw) // 2
        x = x[top:top + ch, left:left + cw]
    if x.shape[:2] != (h, w):
        raise CalibrationError(f"{path}: after preprocessing the image is {x.shape[0]}x{x.shape[1]}; "
                               f"input '{spec.name}' expects {h}x{w}. Fix resize/crop in the preprocessing spec.")
    for k in ("mean", "std"):
        if len(getattr(pre, k)) not in (1, x.shape[2]):
            raise CalibrationError(f"{path}: preprocessing {k} has {len(getattr(pre, k))} values; input "
                                   f"'{spec.name}' has {x.shape[2]} channels (give 1 value or {x.shape[2]}).")
    x = (x * pre.scale - np.asarray(pre.mean, np.float32)) / np.asarray(pre.std, np.float32)
    x = x.transpose(2, 0, 1) if layout == "NCHW" else x
    dtype = np.dtype(pre.dtype or spec.dtype)
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        x = np.clip(np.round(x), info.min, info.max)
    return x[None].astype(dtype)


def class_folders(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_dir())
