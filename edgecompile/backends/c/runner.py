"""Run a C artifact on this machine: compile model.c with the system C compiler into a shared
library (strict flags: the same code must build warning-free for firmware) and call it via ctypes."""
from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from edgecompile.backends.c import toolchain
from edgecompile.backends.runner_io import RunnerIO
from edgecompile.errors import ToolchainError

STRICT = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic"]
# no fused multiply-add: the host build and the Cortex-M4F build then round fp32 identically
FLOAT = ["-ffp-contract=off"]


def compiler() -> str | None:
    return os.environ.get("CC") or shutil.which("gcc") or shutil.which("cc")


def build_shared(folder: Path, opt: str = "-O3") -> Path:
    """lib<model>.so next to a hash of the sources, in the temp folder (cached across loads)."""
    cc = compiler()
    if cc is None:
        raise ToolchainError("The c backend needs a C compiler (gcc) on PATH to run artifacts on this machine.")
    src = (folder / "model.c").read_bytes() + (folder / "model.h").read_bytes()
    key = hashlib.sha256(src + opt.encode()).hexdigest()[:16]
    cache = Path(tempfile.gettempdir()) / "edgecompile-c" / key
    lib = cache / "libmodel.so"
    if lib.is_file():
        return lib
    cache.mkdir(parents=True, exist_ok=True)
    tmp = cache / f"libmodel.{os.getpid()}.so"
    cmd = [cc, *STRICT, *FLOAT, opt, "-fPIC", "-shared", "-I", str(folder), str(folder / "model.c"), "-o", str(tmp), "-lm"]
    toolchain.run(cmd, "Compiling the generated C for this machine")
    tmp.replace(lib)
    return lib


class CRunner(RunnerIO):
    def __init__(self, folder: Path, manifest: dict):
        from edgecompile.core.tensor import TensorSpec

        details = manifest["backend_details"]
        super().__init__([TensorSpec.from_json(d) for d in manifest["inputs"]],
                         [TensorSpec.from_json(d) for d in manifest["outputs"]])
        self.lib = ctypes.CDLL(str(build_shared(folder)))
        self.fn = getattr(self.lib, f"{details['prefix']}_run")
        self.fn.restype = ctypes.c_int
        self.fn.argtypes = [ctypes.c_void_p] * (len(self.inputs) + len(self.outputs) + 1)
        # float tensors in the arena need 4-byte alignment: numpy's allocations give at least 16
        self.arena = np.zeros(max(int(details["arena_bytes"]), 1), np.uint8)
        self._out = [(s.name, tuple(s.shape), np.dtype(s.dtype)) for s in self.outputs]

    def run(self, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        self.check(feeds)
        ins = [np.ascontiguousarray(feeds[s.name]) for s in self.inputs]
        outs = {name: np.empty(shape, dtype) for name, shape, dtype in self._out}
        self.fn(*[a.ctypes.data for a in ins], *[o.ctypes.data for o in outs.values()], self.arena.ctypes.data)
        return outs

    def run_batch(self, xs: list[np.ndarray]) -> np.ndarray:
        """Single-input, single-output models: one output per sample (a fast loop for tests)."""
        spec = self.outputs[0]
        out = np.empty((len(xs), *spec.shape), spec.dtype)
        dtype = self.inputs[0].dtype
        for k, x in enumerate(xs):
            x = np.ascontiguousarray(x, dtype=dtype)
            self.fn(x.ctypes.data, out[k].ctypes.data, self.arena.ctypes.data)
        return out
