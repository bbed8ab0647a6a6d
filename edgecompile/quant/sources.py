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
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from edgecompile.core.tensor import TensorSpec
from edgecompile.errors import CalibrationError, UsageError
from edgecompile.limits import over
from edgecompile.quant.arrays import read_arrays

DEFAULT_SAMPLES = 200
MIN_SAMPLES = 16  # below this (when no count was asked for) ranges are noise, not statistics
MAX_SAMPLES = 1_000_000  # far beyond what ranges need; a bigger count is a typo


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


class _Rows(Sequence):
    """Batches of `rows` converted to `dtype` when asked for: a memory-mapped .npy is read only where used."""

    def __init__(self, rows, batch: int, dtype):
        self.rows, self.batch, self.dtype = rows, batch, dtype

    def __len__(self) -> int:
        return len(self.rows) // self.batch

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        if not -len(self) <= i < len(self):
            raise IndexError(i)
        i %= len(self)
        return np.array(self.rows[i * self.batch:(i + 1) * self.batch], dtype=self.dtype)


class _Feeds(Sequence):
    """Sample i of every input as {input_name: array}, built on access."""

    def __init__(self, per_input: dict[str, Sequence]):
        self.per_input = per_input

    def __len__(self) -> int:
        return min(len(v) for v in self.per_input.values())

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        return {k: v[i] for k, v in self.per_input.items()}


def _split_batch(name: str, arr: np.ndarray, spec: TensorSpec, label: str) -> Sequence:
    want = tuple(spec.shape)
    arr = arr if isinstance(arr, np.ndarray) else np.asarray(arr)
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
    if not want or want[0] < 1:
        raise CalibrationError(f"{label}: input '{name}' has no batch dimension to split samples along.")
    return _Rows(rows, want[0], spec.dtype)


def _from_arrays(arrays: dict[str, np.ndarray], inputs: list[TensorSpec], label: str) -> Sequence:
    if len(inputs) == 1 and len(arrays) == 1:
        arrays = {inputs[0].name: next(iter(arrays.values()))}
    missing = [s.name for s in inputs if s.name not in arrays]
    if missing:
        raise CalibrationError(f"{label}: no array for inputs {missing}; it holds {sorted(arrays)}.")
    return _Feeds({s.name: _split_batch(s.name, arrays[s.name], s, label) for s in inputs})


def data_sha256(feeds: list[dict[str, np.ndarray]]) -> str:
    """Identity of the calibration data (order included): half of the range table's cache key."""
    h = hashlib.sha256()
    for feed in feeds:
        for name in sorted(feed):
            a = np.ascontiguousarray(feed[name])
            h.update(f"{name}|{a.dtype.str}|{a.shape}|".encode())
            h.update(a.tobytes())
    return h.hexdigest()


def is_callable_source(src: str, base: Path | None = None) -> bool:
    """'module:function' or 'file.py:function', unless a file or folder of that name exists (it wins)."""
    if Path(src).exists() or (base is not None and (base / src).exists()):
        return False
    left, sep, right = src.rpartition(":")
    if not sep or not right.isidentifier() or len(left) < 2:  # 'C:\\x' style drive letters are not sources
        return False
    return left.endswith(".py") or all(part.isidentifier() for part in left.split("."))


def _import(left: str, base: Path):
    """The module of a callable source: 'file.py' or a dotted name, looked up in `base` first."""
    if left.endswith(".py"):
        path = Path(left) if Path(left).is_absolute() else base / left
        spec = importlib.util.spec_from_file_location(path.stem, path)
        if spec is None or not path.is_file():
            raise FileNotFoundError(f"no file {path}")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    sys.path.insert(0, str(base))  # console scripts do not put the working folder on sys.path
    try:
        return importlib.import_module(left)
    finally:
        sys.path.remove(str(base))


def _call_source(src: str, inputs: list[TensorSpec], n: int, base: Path | None = None) -> list[dict]:
    """'module:function' -> its first n items, each checked against the inputs.

    This runs the user's Python: the module is resolved in `base` (the manifest's folder; the working
    folder for a source given on the command line). A function that calls sys.exit() is an error."""
    left, _, fn_name = src.rpartition(":")
    where = base or Path.cwd()
    feeds, i = [], -1
    try:
        items = getattr(_import(left, where), fn_name)()
        for i, item in enumerate(items):
            if i >= n:
                break
            if not isinstance(item, dict):
                item = {inputs[0].name: item} if len(inputs) == 1 else None
            if item is None:
                raise CalibrationError(f"{src}: item {i} is not a dict of {{input_name: array}}.")
            got = _from_arrays({k: np.asarray(v) for k, v in item.items()}, inputs, f"{src} item {i}")
            feeds.extend(got[:1])
    except CalibrationError:
        raise
    except (Exception, SystemExit) as e:  # SystemExit: sys.exit() inside the user's code is no success
        at = f" at item {i + 1}" if i >= 0 else ""
        raise CalibrationError(f"Calibration source '{src}' (resolved in {where}) could not be called{at}: "
                               f"{type(e).__name__}: {str(e)[:300]}. Expected 'module:function' returning an iterable of "
                               f"{{input_name: array}}.") from None
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
        fits = len(inputs) == 1 and tuple(inputs[0].shape) in ((1, 1, 8, 8), (1, 8, 8, 1))
        if not fits:  # the built-in set is 8x8 grey images: say so rather than a shape mismatch
            got = ", ".join(f"{s.name} {'x'.join(map(str, s.shape))}" for s in inputs)
            raise CalibrationError(f"'digits' calibration data are 8x8 grey images (1x1x8x8, or 1x8x8x1 "
                                   f"channels-last): they fit a model with one such input, not this one ({got}). "
                                   f"Use your own data (.npy/.npz, an image folder) or 'random'.")
        feeds = _from_arrays({"x": x}, inputs, "digits")
        return feeds, len(feeds)
    if is_callable_source(src, base):
        feeds = _call_source(src, inputs, n, base)
        return feeds, len(feeds)
    path = Path(src)
    if base is not None and not path.is_absolute():
        path = base / path
    if path.is_dir():
        return _from_folder(path, inputs, n, seed, preprocess)
    if not path.is_file():
        raise CalibrationError(f"Calibration source '{src}' does not exist (expected .npy, .npz, an image folder, "
                               f"a calibration/*.toml manifest, 'module:function', 'digits' or 'random').")
    arrays = read_arrays(path, f"Calibration file '{path}'")
    if len(inputs) == 1 and set(arrays) == {"x", "y"}:  # a labelled eval set doubles as calibration data
        arrays.pop("y")
    feeds = _from_arrays(arrays, inputs, str(path))
    return feeds, len(feeds)


def load_samples(src: str, inputs: list[TensorSpec], n: int | None = None, seed: int = 0) -> tuple[list[dict], dict]:
    """Feeds plus a description for the manifest. Raises CalibrationError before any compile work."""
    if n is not None and not 1 <= n <= MAX_SAMPLES:
        raise UsageError(f"--calib-samples must be between 1 and {MAX_SAMPLES}, got {n}.")
    sample_bytes = sum(int(np.prod(s.shape, dtype=object)) * np.dtype(s.dtype).itemsize for s in inputs)
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
    why = over(n * sample_bytes, f"{n} calibration samples of {sample_bytes} bytes each")
    if why:
        raise CalibrationError(why + " Or ask for fewer samples (--calib-samples / samples = ...).")
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
    rng = np.random.default_rng(seed)
    # a full permutation of a huge memory-mapped file would itself take gigabytes; past MAX_SAMPLES rows
    # draw n distinct rows directly (the same choice for every run)
    order = rng.permutation(len(feeds))[:n] if len(feeds) <= MAX_SAMPLES else rng.choice(len(feeds), n, replace=False)
    chosen = [feeds[int(i)] for i in order]
    info["samples"] = len(chosen)
    info["sha256"] = data_sha256(chosen)
    return chosen, info
