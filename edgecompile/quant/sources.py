"""Calibration sources -> a list of single-sample feeds {input_name: array}, plus a manifest description.

Sources: .npy/.npz, a folder of images (with a preprocessing spec), 'digits', 'random' (explicitly),
a Python 'module:function' (or 'file.py:function') returning an iterable of {input_name: array},
and calibration/*.toml manifests naming any of those with their preprocessing and sample count.
Every problem is a CalibrationError naming the file and the expectation, raised before compile work.
"""
from __future__ import annotations

import hashlib
import importlib
import importlib.util
import sys
from pathlib import Path

import numpy as np

from edgecompile.core.tensor import TensorSpec
from edgecompile.errors import CalibrationError

DEFAULT_SAMPLES = 200
MIN_SAMPLES = 16  # below this (when no count was asked for) ranges are noise, not statistics


def _check_dtype(name: str, arr: np.ndarray, spec: TensorSpec, label: str) -> None:
    want = np.dtype(spec.dtype)
    ok = (np.issubdtype(arr.dtype, np.floating) if np.issubdtype(want, np.floating)
          else np.issubdtype(arr.dtype, np.integer) if np.issubdtype(want, np.integer)
          else arr.dtype == want)
    if not ok:
        hint = " (raw pixels? scale them, or use an image folder with a [preprocess] spec)" \
            if np.issubdtype(arr.dtype, np.integer) else ""
        kind = "floating-point" if want.kind == "f" else str(want)
        raise CalibrationError(f"{label}: array for input '{name}' has dtype {arr.dtype}; "
                               f"expected {kind} data for a {want} input{hint}.")


def _split_batch(name: str, arr: np.ndarray, spec: TensorSpec, label: str) -> list[np.ndarray]:
    want = tuple(spec.shape)
    arr = np.asarray(arr)
    if arr.shape[1:] == want[1:] and arr.ndim == len(want):
        rows = arr
    elif arr.shape == want[1:]:
        rows = arr[None]
    else:
        raise CalibrationError(f"{label}: array for input '{name}' has shape {arr.shape}; expected "
                               f"N x {'x'.join(map(str, want[1:]))} (the model's input is {'x'.join(map(str, want))}).")
    if not np.issubdtype(arr.dtype, np.number):
        raise CalibrationError(f"{label}: array for input '{name}' has dtype {arr.dtype}; expected numbers.")
    _check_dtype(name, arr, spec, label)
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


def data_sha256(feeds: list[dict[str, np.ndarray]]) -> str:
    """Identity of the calibration data (order included): half of the range table's cache key."""
    h = hashlib.sha256()
    for feed in feeds:
        for name in sorted(feed):
            a = np.ascontiguousarray(feed[name])
            h.update(f"{name}|{a.dtype.str}|{a.shape}|".encode())
            h.update(a.tobytes())
    return h.hexdigest()


def is_callable_source(src: str) -> bool:
    left, sep, right = src.rpartition(":")
    if not sep or not right.isidentifier() or len(left) < 2:  # 'C:\\x' style drive letters are not sources
        return False
    return left.endswith(".py") or all(part.isidentifier() for part in left.split("."))


def _call_source(src: str, inputs: list[TensorSpec], n: int) -> list[dict]:
    """'module:function' -> its first n items, each checked against the inputs."""
    left, _, fn_name = src.rpartition(":")
    try:
        if left.endswith(".py"):
            spec = importlib.util.spec_from_file_location(Path(left).stem, left)
            if spec is None or not Path(left).is_file():
                raise FileNotFoundError(left)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
        else:
            sys.path.insert(0, str(Path.cwd()))  # console scripts do not put the working folder on sys.path
            try:
                module = importlib.import_module(left)
            finally:
                sys.path.pop(0)
        fn = getattr(module, fn_name)
        items = fn()
    except Exception as e:
        raise CalibrationError(f"Calibration source '{src}' could not be called: {type(e).__name__}: {e}. "
                               f"Expected 'module:function' returning an iterable of {{input_name: array}}.") from e
    feeds = []
    for i, item in enumerate(items):
        if i >= n:
            break
        if not isinstance(item, dict):
            item = {inputs[0].name: item} if len(inputs) == 1 else None
        if item is None:
            raise CalibrationError(f"{src}: item {i} is not a dict of {{input_name: array}}.")
        got = _from_arrays({k: np.asarray(v) for k, v in item.items()}, inputs, f"{src} item {i}")
        feeds.extend(got[:1])
    return feeds


def _from_folder(folder: Path, inputs: list[TensorSpec], n: int, seed: int, preprocess) -> tuple[list[dict], int]:
    from edgecompile.quant.images import Preprocess, image_files, load_image

    if len(inputs) != 1:
        raise CalibrationError(f"{folder}: image folders feed single-input models; this one has {len(inputs)} inputs.")
    files = image_files(folder)
    if not files:
        raise CalibrationError(f"Calibration folder '{folder}' holds no image files (looked for .png, .jpg, ...).")
    pre = preprocess or Preprocess()
    chosen = np.random.default_rng(seed).permutation(len(files))[:n]
    return [{inputs[0].name: load_image(files[i], inputs[0], pre)} for i in sorted(chosen)], len(files)


def _raw(src: str, inputs: list[TensorSpec], n: int, seed: int, preprocess, base: Path | None) -> tuple[list[dict], int]:
    """(feeds, how many the source holds) for one non-manifest source."""
    if src == "digits":
        from edgecompile.datasets import digits_split

        x, _ = digits_split("train")
        feeds = _from_arrays({"x": x}, inputs, "digits")
        return feeds, len(feeds)
    if is_callable_source(src):
        feeds = _call_source(src, inputs, n)
        return feeds, len(feeds)
    path = Path(src)
    if base is not None and not path.is_absolute():
        path = base / path
    if path.is_dir():
        return _from_folder(path, inputs, n, seed, preprocess)
    if not path.is_file():
        raise CalibrationError(f"Calibration source '{src}' does not exist (expected .npy, .npz, an image folder, "
                               f"a calibration/*.toml manifest, 'module:function', 'digits' or 'random').")
    try:
        loaded = np.load(path, allow_pickle=False)
    except Exception as e:
        raise CalibrationError(f"Calibration file '{path}' is not a readable .npy/.npz: {e}") from e
    arrays = dict(loaded) if isinstance(loaded, np.lib.npyio.NpzFile) else {"x": loaded}
    if len(inputs) == 1 and set(arrays) == {"x", "y"}:  # a labelled eval set doubles as calibration data
        arrays.pop("y")
    feeds = _from_arrays(arrays, inputs, str(path))
    return feeds, len(feeds)


def load_samples(src: str, inputs: list[TensorSpec], n: int | None = None, seed: int = 0) -> tuple[list[dict], dict]:
    """Feeds plus a description for the manifest. Raises CalibrationError before any compile work."""
    if n is not None and n < 1:
        raise CalibrationError(f"--calib-samples must be at least 1, got {n}.")
    info: dict = {"source": src}
    preprocess, base = None, None
    if src.endswith(".toml"):
        from edgecompile.quant.manifest import read_manifest

        m = read_manifest(src)
        info.update({"manifest": m.name, "manifest_sha256": m.sha256, "source": m.source, "manifest_path": src})
        if m.preprocess is not None:
            info["preprocess"] = m.preprocess.to_dict()
        src, preprocess, base, seed = m.source, m.preprocess, m.base, m.seed
        n = n if n is not None else m.samples
    explicit = n is not None
    n = n if explicit else DEFAULT_SAMPLES
    if src == "random":
        rng = np.random.default_rng(seed)
        feeds = [{s.name: rng.standard_normal(s.shape).astype(s.dtype) for s in inputs} for _ in range(n)]
        info.update(warning="random calibration data: ranges do not reflect real inputs", samples=n,
                    sha256=data_sha256(feeds))
        return feeds, info
    feeds, held = _raw(src, inputs, n, seed, preprocess, base)
    label = info.get("manifest_path", src)
    if not feeds:
        raise CalibrationError(f"Calibration source '{label}' holds no complete sample.")
    if (explicit and held < n) or held < MIN_SAMPLES:
        raise CalibrationError(f"Calibration source '{label}' holds {held} samples; at least "
                               f"{n if explicit else MIN_SAMPLES} are needed{' (--calib-samples / manifest)' if explicit else ''}.")
    order = np.random.default_rng(seed).permutation(len(feeds))[:n]
    chosen = [feeds[i] for i in order]
    info["samples"] = len(chosen)
    info["sha256"] = data_sha256(chosen)
    return chosen, info
