"""Backend registry: names map to import paths; SDKs are imported only when a backend is used."""
from __future__ import annotations

import importlib

from edgecompile.backends.base import Backend
from edgecompile.errors import UsageError

# Register once, import lazily. Each module defines `Backend`.
REGISTRY: dict[str, str] = {
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


def implemented() -> list[str]:
    """Registered backends whose module exists in this installation."""
    import importlib.util

    def exists(module: str) -> bool:
        try:
            return importlib.util.find_spec(module) is not None
        except ModuleNotFoundError:  # its parent package is absent
            return False

    return [n for n, path in REGISTRY.items() if exists(path.split(":")[0])]


def get_backend(name: str) -> Backend:
    if name not in REGISTRY:
        raise UsageError(f"Unknown backend '{name}'. Known backends: {', '.join(REGISTRY)}.")
    if name not in _cache:
        module_name, cls_name = REGISTRY[name].split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as e:
            if e.name and e.name.startswith("edgecompile"):
                why = NOT_BUILT.get(name, "not part of this edgecompile build")
                raise UsageError(f"The '{name}' backend is {why}.") from e
            raise
        _cache[name] = getattr(module, cls_name)()
    return _cache[name]
