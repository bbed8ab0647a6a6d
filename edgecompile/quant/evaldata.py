"""Evaluation data for the accuracy guard: feeds plus labels (None when the data is unlabelled).

Labelled: 'digits' (the test split), an .npz with x and y, an image folder with one sub-folder per
class (sorted names -> labels 0..K-1). Unlabelled: .npy, .npz without y, a flat image folder,
'module:function'. A calibration/*.toml manifest may name any of them with its preprocessing.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from edgecompile.core.tensor import TensorSpec
from edgecompile.errors import CalibrationError

MAX_EVAL = 5000  # more than enough for a fraction-of-a-point bound on edge models


@dataclass
class EvalSet:
    source: str
    feeds: list[dict[str, np.ndarray]]
    labels: np.ndarray | None  # int64 per sample, or None


def _folder(folder: Path, inputs: list[TensorSpec], preprocess) -> EvalSet:
    from edgecompile.quant.images import Preprocess, class_folders, image_files, load_image

    if len(inputs) != 1:
        raise CalibrationError(f"{folder}: image folders feed single-input models; this one has {len(inputs)}.")
    pre = preprocess or Preprocess()
    classes = [c for c in class_folders(folder) if image_files(c)]
    if classes:
        pairs = [(f, k) for k, c in enumerate(classes) for f in image_files(c)]
    else:
        pairs = [(f, -1) for f in image_files(folder)]
    if not pairs:
        raise CalibrationError(f"Evaluation folder '{folder}' holds no image files.")
    pairs = pairs[:MAX_EVAL]
    feeds = [{inputs[0].name: load_image(f, inputs[0], pre)} for f, _ in pairs]
    labels = np.array([k for _, k in pairs], np.int64) if classes else None
    return EvalSet(str(folder), feeds, labels)


def load_eval(src: str, inputs: list[TensorSpec]) -> EvalSet:
    """Raises CalibrationError (naming the file and the expectation) before any compile work."""
    from edgecompile.quant.sources import _from_arrays, _raw

    preprocess, base, label_src = None, None, src
    if src.endswith(".toml"):
        from edgecompile.quant.manifest import read_manifest

        m = read_manifest(src)
        src, preprocess, base = m.source, m.preprocess, m.base
    if src == "digits":
        from edgecompile.datasets import digits_split

        x, y = digits_split("test")
        return EvalSet("digits (test split)", list(_from_arrays({"x": x}, inputs, "digits")), y)
    path = Path(src) if base is None or Path(src).is_absolute() else base / src
    if path.is_dir():
        return _folder(path, inputs, preprocess)
    if path.suffix == ".npz" and path.is_file():
        from edgecompile.quant.arrays import read_arrays

        z = read_arrays(path, f"Evaluation file '{path}'")
        if "y" in z:
            y = np.asarray(z.pop("y"))
            if not np.issubdtype(y.dtype, np.integer) or y.ndim != 1:
                raise CalibrationError(f"{path}: y must be a 1-D array of integer class labels; got {y.dtype} {y.shape}.")
            feeds = _from_arrays(z, inputs, str(path))
            if len(feeds) != len(y):
                raise CalibrationError(f"{path}: x holds {len(feeds)} samples but y holds {len(y)} labels.")
            return EvalSet(str(path), feeds[:MAX_EVAL], y[:MAX_EVAL].astype(np.int64))
    feeds, _ = _raw(src, inputs, MAX_EVAL, 0, preprocess, base)
    if not feeds:
        raise CalibrationError(f"Evaluation source '{label_src}' holds no complete sample.")
    return EvalSet(label_src, feeds[:MAX_EVAL], None)
