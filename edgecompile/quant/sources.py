"""Calibration sources -> a list of single-sample feeds {input_name: float32 array}."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from edgecompile.backends.base import TensorSpec
from edgecompile.errors import CalibrationError

DEFAULT_SAMPLES = 200


def _split_batch(name: str, arr: np.ndarray, spec: TensorSpec, label: str) -> list[np.ndarray]:
    want = tuple(spec.shape)
    if arr.shape[1:] == want[1:] and arr.ndim == len(want):
        rows = arr
    elif arr.shape == want[1:]:
        rows = arr[None]
    else:
        raise CalibrationError(f"{label}: array for input '{name}' has shape {arr.shape}; expected "
                               f"N x {'x'.join(map(str, want[1:]))} (the model's input is {'x'.join(map(str, want))}).")
    if not np.issubdtype(arr.dtype, np.number):
        raise CalibrationError(f"{label}: array for input '{name}' has dtype {arr.dtype}; expected numbers.")
    b = want[0]
    return [rows[i:i + b].astype(spec.dtype) for i in range(0, len(rows) - b + 1, b)]


def _from_arrays(arrays: dict[str, np.ndarray], inputs: list[TensorSpec], label: str) -> list[dict]:
    if len(inputs) == 1 and len(arrays) == 1:
        arrays = {inputs[0].name: next(iter(arrays.values()))}
    missing = [s.name for s in inputs if s.name not in arrays]
    if missing:
        raise CalibrationError(f"{label}: no array for inputs {missing}; it holds {sorted(arrays)}.")
    per_input = {s.name: _split_batch(s.name, arrays[s.name], s, label) for s in inputs}
    n = min(len(v) for v in per_input.values())
    return [{k: v[i] for k, v in per_input.items()} for i in range(n)]


def load_samples(src: str, inputs: list[TensorSpec], n: int = DEFAULT_SAMPLES, seed: int = 0) -> tuple[list[dict], dict]:
    """Feeds plus a description for the manifest. Raises CalibrationError before any compile work."""
    if n < 1:
        raise CalibrationError(f"--calib-samples must be at least 1, got {n}.")
    info = {"source": src}
    if src == "random":
        rng = np.random.default_rng(seed)
        feeds = [{s.name: rng.standard_normal(s.shape).astype(s.dtype) for s in inputs} for _ in range(n)]
        info["warning"] = "random calibration data: ranges do not reflect real inputs"
        return feeds, info
    if src == "digits":
        from edgecompile.datasets import digits_split

        x, _ = digits_split("train")
        feeds = _from_arrays({"x": x}, inputs, "digits")
    else:
        path = Path(src)
        if not path.is_file():
            raise CalibrationError(f"Calibration source '{src}' does not exist (expected .npy, .npz, 'digits' or 'random').")
        try:
            loaded = np.load(path, allow_pickle=False)
        except Exception as e:
            raise CalibrationError(f"Calibration file '{src}' is not a readable .npy/.npz: {e}") from e
        arrays = dict(loaded) if isinstance(loaded, np.lib.npyio.NpzFile) else {"x": loaded}
        feeds = _from_arrays(arrays, inputs, src)
    if not feeds:
        raise CalibrationError(f"Calibration source '{src}' holds no complete sample.")
    order = np.random.default_rng(seed).permutation(len(feeds))[:n]
    info["samples"] = len(order)
    return [feeds[i] for i in order], info
