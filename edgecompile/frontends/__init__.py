"""Model sources -> one ONNX ModelProto. Dispatch by what the path looks like."""
from __future__ import annotations

import hashlib
import importlib
import importlib.util
from dataclasses import dataclass, field
from pathlib import Path

from edgecompile.errors import ModelLoadError, UsageError


@dataclass
class LoadedModel:
    model: "onnx.ModelProto"  # noqa: F821 - the un-normalized ONNX graph
    source: str  # what the user named
    source_sha256: str  # of the source file(s): the model's identity in manifests and caches
    kind: str  # "onnx", "pytorch", "torchscript", "exported-program", "tflite", "run-folder"
    notes: list[str] = field(default_factory=list)  # things the user should know (defaults taken, ...)
    parity: dict | None = None  # frontend export check against the source framework
    metadata: dict = field(default_factory=dict)  # e.g. preprocessing/class names from a training run


def sha256_bytes(*chunks: bytes) -> str:
    h = hashlib.sha256()
    for c in chunks:
        h.update(c)
    return h.hexdigest()


def parse_input_shapes(specs: tuple[str, ...] | list[str] | None) -> dict[str, tuple[int, ...]]:
    """'NAME=1x3x32x32' (repeatable) -> {name: shape}; a bare '1x3x32x32' applies to the only input."""
    out: dict[str, tuple[int, ...]] = {}
    for spec in specs or ():
        name, _, dims = spec.rpartition("=")
        try:
            shape = tuple(int(d) for d in dims.lower().split("x"))
        except ValueError:
            shape = ()
        if not shape or any(d <= 0 for d in shape):
            raise UsageError(f"Malformed --input-shape '{spec}': expected NAME=1x3x32x32 (positive integers joined by 'x').")
        out[name or "*"] = shape
    return out


# suffix -> "module:function"; each function takes (path, weights, input_shapes) -> LoadedModel
_LOADERS = {
    ".onnx": "edgecompile.frontends.onnx:load",
    ".pt": "edgecompile.frontends.torch:load_torchscript",
    ".pth": "edgecompile.frontends.torch:load_torchscript",
    ".pt2": "edgecompile.frontends.torch:load_exported_program",
    ".tflite": "edgecompile.frontends.tflite:load",
}


def load(source: str, weights: str | None = None, input_shapes: dict | None = None) -> LoadedModel:
    """Load any supported model source; raises ModelLoadError / UsageError with a clear message."""
    path_part, sep, attr = source.rpartition(":")
    if sep and path_part.endswith(".py"):
        from edgecompile.frontends.torch import load_python

        return load_python(Path(path_part), attr, weights, input_shapes or {})
    path = Path(source)
    if not path.exists():
        raise ModelLoadError(f"Model '{source}' does not exist.")
    if path.is_dir():
        if importlib.util.find_spec("edgecompile.frontends.run_folder") is None:
            raise ModelLoadError(f"'{source}' is a folder; this build cannot read training run folders.")
        from edgecompile.frontends.run_folder import load as load_run

        return load_run(path, weights, input_shapes or {})
    if not path.is_file():  # a device (/dev/zero), a FIFO or a socket would be read forever
        raise ModelLoadError(f"Model '{source}' is not a regular file or folder.")
    key = _LOADERS.get(path.suffix.lower())
    if key is None:
        raise ModelLoadError(
            f"Cannot tell what kind of model '{source}' is from its name. Supported: .onnx, .tflite, "
            f"TorchScript .pt, ExportedProgram .pt2, 'file.py:ClassOrFactory', or a training run folder."
        )
    module_name, fn = key.split(":")
    return getattr(importlib.import_module(module_name), fn)(path, weights, input_shapes or {})
