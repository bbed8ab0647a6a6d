"""Reading PyTorch archives without running code from them.

torch.export.load unpickles parts of a .pt2 with `weights_only=False` (legacy weight files, sample
inputs that fail the safe load, pickled constants) and dlopens AOTInductor libraries: a downloaded
.pt2 could run anything. `safe_export_load` refuses archives with native code or pickled objects
up front, and while torch reads the rest forces every torch.load to `weights_only=True` and every
plain unpickle to fail. `pt_kind` tells a TorchScript archive from a torch.save()d state dict.
"""
from __future__ import annotations

import contextlib
import logging
import zipfile
from pathlib import Path

from edgecompile.errors import ModelLoadError

# entries of a .pt2 that hold native code or arbitrary pickles
_REFUSED = ("data/aotinductor/", "data/constants/custom_obj", "data/constants/opaque_obj")


def _members(path: Path, what: str) -> list[str]:
    try:
        with zipfile.ZipFile(path) as z:
            return z.namelist()
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise ModelLoadError(f"'{path}' is not {what} (not a readable zip archive: {e}).") from None


def check_pt2(path: Path) -> None:
    for name in _members(path, "an ExportedProgram .pt2"):
        inner = name.split("/", 1)[-1]
        legacy = inner.startswith(("data/weights/", "data/constants/")) and inner.endswith(".pt")
        if legacy or inner.startswith(_REFUSED) or inner.endswith(".pkl"):
            raise ModelLoadError(
                f"'{path}' holds '{name}', which torch.export.load would unpickle or load as native code: "
                f"edgecompile refuses such .pt2 archives because loading them can run arbitrary code. "
                f"Re-save the program with torch.export.save() from a current PyTorch.")


class _Refused(Exception):
    pass


@contextlib.contextmanager
def _no_unsafe_unpickling():
    import torch
    from torch.export.pt2_archive import _package

    real_load, real_obj, real_pickle = torch.load, torch._C._pickle_load_obj, _package.pickle

    def safe_load(*args, **kwargs):
        kwargs["weights_only"] = True
        return real_load(*args, **kwargs)

    def refuse(*args, **kwargs):
        raise _Refused("a pickled object")

    class NoPickle:
        loads = load = staticmethod(refuse)

    loggers = [logging.getLogger(n) for n in ("torch.export", "torch._export")]
    levels = [lg.level for lg in loggers]
    torch.load, torch._C._pickle_load_obj, _package.pickle = safe_load, refuse, NoPickle
    for lg in loggers:  # torch logs a traceback of its first failed attempt before falling back
        lg.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        torch.load, torch._C._pickle_load_obj, _package.pickle = real_load, real_obj, real_pickle
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)


def safe_export_load(path: Path):
    import torch

    check_pt2(path)
    try:
        with _no_unsafe_unpickling():
            return torch.export.load(str(path))
    except _Refused:
        raise ModelLoadError(f"'{path}' needs an unrestricted unpickle to load; edgecompile refuses it because "
                             f"that can run arbitrary code.") from None
    except Exception as e:  # torch raises many types for damaged archives
        first = (str(e).strip().splitlines() or [type(e).__name__])[0][:300]
        if "weights_only" in str(e) or "Unsupported global" in str(e):
            first = "it holds objects that only an unrestricted (code-running) unpickle could load"
        raise ModelLoadError(f"'{path}' is not an ExportedProgram edgecompile can read safely: {first}") from None


def pt_kind(path: Path) -> str:
    """'torchscript', 'state-dict' (a torch.save()d dict of tensors) or 'unknown'."""
    names = _members(path, "a TorchScript .pt")
    inner = {n.split("/", 1)[-1] for n in names}
    if "constants.pkl" in inner or any(n.startswith("code/") for n in inner):
        return "torchscript"
    if "data.pkl" in inner:
        return "state-dict"
    return "unknown"
