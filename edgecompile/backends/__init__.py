"""Backend registry: names map to import paths; SDKs are imported only when a backend is used.

Built-in backends are one line each in BUILTIN. Another package adds one through the entry-point
group `edgecompile.backends` (`name = "package.module:BackendClass"`), the way pytest plugins
extend pytest; `edgecompile targets`, `build`, `inspect` and `bench` then treat it like ours.
"""
from __future__ import annotations

import importlib
import importlib.util
from functools import lru_cache

from edgecompile.backends.base import Backend
from edgecompile.errors import UsageError

ENTRY_POINT_GROUP = "edgecompile.backends"

# Register once, import lazily.
BUILTIN: dict[str, str] = {
    "onnxruntime": "edgecompile.backends.onnxruntime.backend:OnnxRuntimeBackend",
    "openvino": "edgecompile.backends.openvino.backend:OpenVinoBackend",
    "tflite": "edgecompile.backends.tflite.backend:TFLiteBackend",
    "tvm": "edgecompile.backends.tvm.backend:TvmBackend",
    "coreml": "edgecompile.backends.coreml.backend:CoreMLBackend",
    "tensorrt": "edgecompile.backends.tensorrt.backend:TensorRTBackend",
    "triton": "edgecompile.backends.triton.backend:TritonBackend",
    "c": "edgecompile.backends.c.backend:CBackend",
}

# Registered names without a backend module in this build, and why (none today).
NOT_BUILT: dict[str, str] = {}

_cache: dict[str, Backend] = {}


@lru_cache(maxsize=1)
def registry() -> dict[str, str]:
    """Every backend name -> "module:Class": the built-in ones, then those of installed plugins."""
    from importlib.metadata import entry_points

    table = dict(BUILTIN)
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        table.setdefault(ep.name, ep.value)  # a plugin cannot replace a built-in backend
    return table


def implemented() -> list[str]:
    """Registered backends whose module exists in this installation."""
    def exists(module: str) -> bool:
        try:
            return importlib.util.find_spec(module) is not None
        except ModuleNotFoundError:  # its parent package is absent
            return False

    return [n for n, path in registry().items() if exists(path.split(":")[0])]


def get_backend(name: str) -> Backend:
    table = registry()
    if name not in table:
        raise UsageError(f"Unknown backend '{name}'. Known backends: {', '.join(table)}.")
    if name not in _cache:
        module_name, cls_name = table[name].split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as e:
            if e.name and (e.name.startswith("edgecompile") or module_name.startswith(e.name)):
                why = NOT_BUILT.get(name, "not part of this edgecompile build")
                raise UsageError(f"The '{name}' backend is {why}.") from e
            raise
        backend = getattr(module, cls_name, None)
        if not (isinstance(backend, type) and issubclass(backend, Backend)):
            raise UsageError(f"The '{name}' backend's entry '{table[name]}' is not an edgecompile Backend class.")
        _cache[name] = backend()
    return _cache[name]
