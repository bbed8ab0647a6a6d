"""Reading .npy/.npz files someone else made: no pickles, declared sizes checked before anything is
allocated (a 4 MB .npz may declare 4 GiB), and .npy files memory-mapped so only the rows used are read."""
from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from edgecompile.errors import CalibrationError
from edgecompile.limits import over


def _header(f) -> tuple:
    """(shape, dtype) from an .npy header, without reading the data."""
    version = np.lib.format.read_magic(f)
    read = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
    shape, _, dtype = read(f)
    return shape, dtype


def _check_header(shape, dtype, label: str, error) -> None:
    if dtype.hasobject:
        raise error(f"{label} holds Python objects (dtype {dtype}); edgecompile reads only numeric arrays "
                    f"(loading objects would need pickle, which can run code).")
    nbytes = int(np.prod(shape, dtype=object)) * dtype.itemsize
    why = over(nbytes, f"{label} (shape {tuple(shape)}, {dtype})")
    if why:
        raise error(why)


def _npz(path: Path, label: str, error) -> dict[str, np.ndarray]:
    out = {}
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            if not info.filename.endswith(".npy"):
                continue
            name = info.filename[:-4]
            with z.open(info) as f:
                shape, dtype = _header(f)
                _check_header(shape, dtype, f"{label}[{name}]", error)
            with z.open(info) as f:  # read_array reads exactly what the header declares, no more
                out[name] = np.lib.format.read_array(f, allow_pickle=False)
    return out


def read_arrays(path: Path, label: str | None = None, error=CalibrationError) -> dict[str, np.ndarray]:
    """{name: array} of an .npz, or {"x": array} of an .npy; `error` (an EdgeCompileError) otherwise."""
    label = label or str(path)
    try:
        with open(path, "rb") as f:
            zipped = f.read(4) == b"PK\x03\x04"
        if zipped:
            return _npz(path, label, error)
        with open(path, "rb") as f:
            shape, dtype = _header(f)
        _check_header(shape, dtype, label, error)
        return {"x": np.load(path, mmap_mode="r", allow_pickle=False)}
    except error:
        raise
    except Exception as e:  # numpy and zipfile raise ValueError, OSError, BadZipFile, EOFError ...
        first = (str(e).strip().splitlines() or [type(e).__name__])[0][:200]
        raise error(f"{label} is not a readable .npy/.npz file ({type(e).__name__}: {first}).") from None
