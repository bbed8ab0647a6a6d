"""Run a C artifact on this machine: compile model.c with the system C compiler into a shared
library (strict flags: the same code must build warning-free for firmware) and call it via ctypes.

The artifact may come from someone else, so its code is untrusted: the library is built in a private
per-user cache (0700, owned by this user, each library checked against the hash recorded when it was
built), buffer sizes come from the compiled header (never from the editable manifest), and by default
the library runs in a child process so a crashing kernel cannot take the caller down.
"""
from __future__ import annotations

import ctypes
import hashlib
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from edgecompile.backends.c import toolchain
from edgecompile.backends.runner_io import RunnerIO
from edgecompile.errors import ArtifactError, ToolchainError, ToolError

STRICT = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic"]
# no fused multiply-add: the host build and the Cortex-M4F build then round fp32 identically
FLOAT = ["-ffp-contract=off"]
# Native code from an artifact runs in a child process, unless this process already is that isolation
# (edgecompile.bench.worker sets ISOLATED_ENV for itself: a benchmark times the library directly).
ISOLATED_ENV = "EDGECOMPILE_ISOLATED"
CTYPES = {"float": "float32", "int8_t": "int8", "uint8_t": "uint8", "int32_t": "int32", "int16_t": "int16"}


def compiler() -> str | None:
    return os.environ.get("CC") or shutil.which("gcc") or shutil.which("cc")


def _cache_root() -> Path:
    """$TMPDIR/edgecompile-c-<uid>, created 0700; refused when another user owns it or can write it."""
    root = Path(tempfile.gettempdir()) / f"edgecompile-c-{os.getuid()}"
    try:
        root.mkdir(mode=0o700, exist_ok=True)
        st = os.lstat(root)
    except OSError as e:
        raise ArtifactError(f"Cannot use the C library cache {root}: {e.strerror}.") from e
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid() or st.st_mode & 0o077:
        raise ArtifactError(f"The C library cache {root} is not a private folder of this user (owner uid "
                            f"{st.st_uid}, mode {oct(st.st_mode & 0o777)}); remove it and retry.")
    return root


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build_shared(folder: Path, opt: str = "-O3") -> Path:
    """lib<model>.so in the private cache, keyed by a hash of the sources and reused only if its
    bytes still hash to what was recorded when it was built."""
    cc = compiler()
    if cc is None:
        raise ToolchainError("The c backend needs a C compiler (gcc) on PATH to run artifacts on this machine.")
    src = (folder / "model.c").read_bytes() + (folder / "model.h").read_bytes()
    key = hashlib.sha256(src + opt.encode() + cc.encode()).hexdigest()[:32]
    lib, digest = _cache_root() / f"{key}.so", _cache_root() / f"{key}.sha256"
    if lib.is_file() and digest.is_file() and digest.read_text().strip() == _sha256(lib):
        return lib
    with tempfile.TemporaryDirectory(dir=_cache_root()) as tmp:
        out = Path(tmp) / "libmodel.so"
        cmd = [cc, *STRICT, *FLOAT, opt, "-fPIC", "-shared", "-I", str(folder), str(folder / "model.c"), "-o", str(out), "-lm"]
        toolchain.run(cmd, "Compiling the generated C for this machine")
        (Path(tmp) / "sha256").write_text(_sha256(out))
        os.replace(out, lib)
        os.replace(Path(tmp) / "sha256", digest)
    return lib


def header_io(folder: Path, prefix: str) -> tuple[int, list[tuple[str, int]], list[tuple[str, int]]]:
    """(arena bytes, [(dtype, elements)] of inputs, of outputs) as the compiled header declares them."""
    text = (folder / "model.h").read_text(errors="replace")
    up = prefix.upper()
    sig = re.search(rf"\bint\s+{re.escape(prefix)}_run\(([^)]*)\);", text)
    arena = re.search(rf"#define\s+{re.escape(up)}_ARENA_SIZE\s+(\d+)u", text)
    if not sig or not arena:
        raise ArtifactError(f"{folder / 'model.h'} does not declare {prefix}_run and {up}_ARENA_SIZE "
                            f"(the manifest's prefix '{prefix}' does not match the generated code).")
    io: dict[str, list] = {"in": [], "out": []}
    for ctype, kind, i in re.findall(r"(\w+)\*\s*(in|out)(\d+)", sig.group(1)):
        size = re.search(rf"#define\s+{re.escape(up)}_{'INPUT' if kind == 'in' else 'OUTPUT'}{i}_SIZE\s+(\d+)u", text)
        if ctype not in CTYPES or size is None:
            raise ArtifactError(f"{folder / 'model.h'}: cannot tell the type or size of {kind}{i}.")
        io[kind].append((CTYPES[ctype], int(size.group(1))))
    return int(arena.group(1)), io["in"], io["out"]


def _check_specs(specs, compiled: list[tuple[str, int]], what: str, folder: Path) -> None:
    if len(specs) != len(compiled) or any(
            s.dtype != dt or int(np.prod(s.shape, dtype=np.int64)) != n for s, (dt, n) in zip(specs, compiled)):
        raise ArtifactError(f"Artifact {folder}: the manifest's {what} {[(s.dtype, list(s.shape)) for s in specs]} "
                            f"do not match the compiled code's {compiled}; the manifest was edited or damaged.")


class CRunner(RunnerIO):
    def __init__(self, folder: Path, manifest: dict, isolate: bool | None = None):
        from edgecompile.core.tensor import TensorSpec

        super().__init__([TensorSpec.from_json(d) for d in manifest["inputs"]],
                         [TensorSpec.from_json(d) for d in manifest["outputs"]])
        prefix = str(manifest["backend_details"]["prefix"])
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", prefix):
            raise ArtifactError(f"Artifact {folder}: '{prefix}' is not a C identifier.")
        arena, ins, outs = header_io(folder, prefix)
        _check_specs(self.inputs, ins, "inputs", folder)
        _check_specs(self.outputs, outs, "outputs", folder)
        lib = build_shared(folder)
        isolate = os.environ.get(ISOLATED_ENV) != "1" if isolate is None else isolate
        self._call = _Child(lib, prefix, ins, outs, arena) if isolate else _InProcess(lib, prefix, len(ins) + len(outs), arena)
        self._out = [(s.name, tuple(s.shape), np.dtype(s.dtype)) for s in self.outputs]

    def run(self, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        self.check(feeds)
        ins = [np.ascontiguousarray(feeds[s.name]) for s in self.inputs]
        outs = {name: np.empty(shape, dtype) for name, shape, dtype in self._out}
        self._call(ins, list(outs.values()))
        return outs

    def run_batch(self, xs: list[np.ndarray]) -> np.ndarray:
        """Single-input, single-output models: one output per sample (a fast loop for tests)."""
        spec, inp = self.outputs[0], self.inputs[0]
        out = np.empty((len(xs), *spec.shape), spec.dtype)
        for k, x in enumerate(xs):
            self._call([np.ascontiguousarray(x, dtype=inp.dtype).reshape(inp.shape)], [out[k]])
        return out


class _InProcess:
    def __init__(self, lib: Path, prefix: str, nargs: int, arena: int):
        try:
            self.fn = getattr(ctypes.CDLL(str(lib)), f"{prefix}_run")
        except (OSError, AttributeError) as e:
            raise ArtifactError(f"Cannot load the compiled C library: {e}") from e
        self.fn.restype = ctypes.c_int
        self.fn.argtypes = [ctypes.c_void_p] * (nargs + 1)
        # float tensors in the arena need 4-byte alignment: numpy's allocations give at least 16
        self.arena = np.zeros(max(arena, 1), np.uint8)

    def __call__(self, ins: list[np.ndarray], outs: list[np.ndarray]) -> None:
        self.fn(*[a.ctypes.data for a in ins + outs], self.arena.ctypes.data)


class _Child:
    """The library in `python -m edgecompile.backends.c.child`: raw input bytes in, raw output bytes out."""

    def __init__(self, lib: Path, prefix: str, ins, outs, arena: int):
        spec = ";".join(",".join(f"{d}:{n}" for d, n in group) for group in (ins, outs))
        cmd = [sys.executable, "-m", "edgecompile.backends.c.child", str(lib), prefix, spec, str(arena)]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.out_bytes = [np.dtype(d).itemsize * n for d, n in outs]

    def __call__(self, ins: list[np.ndarray], outs: list[np.ndarray]) -> None:
        try:
            self.proc.stdin.write(b"".join(a.tobytes() for a in ins))
            self.proc.stdin.flush()
            for o, n in zip(outs, self.out_bytes):
                data = self.proc.stdout.read(n)
                if len(data) != n:
                    raise BrokenPipeError
                o.reshape(-1).view(np.uint8)[:] = np.frombuffer(data, np.uint8)
        except (BrokenPipeError, ValueError, OSError):
            rc = self.proc.wait()
            why = f"signal {-rc}" if rc < 0 else f"exit {rc}"
            raise ToolError(f"The compiled C model crashed while running ({why}); the artifact's code is "
                            f"broken or was tampered with.") from None

    def __del__(self):
        proc = getattr(self, "proc", None)
        if proc is not None and proc.poll() is None:
            proc.stdin.close()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()

