"""Running a tensorrt artifact: its engine, only on the GPU model and TensorRT version that built it;
and ONNX Runtime on its model.onnx, the reference device-build checks the engine against."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from edgecompile.errors import CannotRunHereError, EngineMismatchError


class EngineRunner:
    """A built engine through Polygraphy's TrtRunner (it owns the CUDA buffers and streams)."""

    def __init__(self, engine: Path):
        from polygraphy.backend.trt import EngineFromBytes, TrtRunner

        self.runner = TrtRunner(EngineFromBytes(engine.read_bytes()))
        self.runner.activate()

    def run(self, feeds):
        return {k: v.copy() for k, v in self.runner.infer(feeds).items()}


def check_engine(folder: Path, info_name: str, engine_name: str) -> dict:
    """The engine's recorded GPU and TensorRT version must be this machine's; else a clear error."""
    from edgecompile.backends.tensorrt.build_engine import gpu_identity

    info = json.loads((folder / info_name).read_text())
    built_for = f"{info.get('gpu')} (compute {info.get('compute_capability')}), TensorRT {info.get('tensorrt')}"
    if hashlib.sha256((folder / engine_name).read_bytes()).hexdigest() != info.get("engine_sha256"):
        raise EngineMismatchError(f"{folder / engine_name} is not the engine {info_name} describes (another "
                                  f"machine's engine copied in?). Rebuild it here: edgecompile device-build {folder}")
    try:
        import tensorrt
    except ImportError:
        raise CannotRunHereError(f"{folder}: its engine was built for {built_for}; this machine has no TensorRT. "
                                 f"model.onnx (the portable part) still runs with ONNX Runtime.") from None
    here = gpu_identity()
    if here is None:
        raise CannotRunHereError(f"{folder}: its engine was built for {built_for}; this machine has no NVIDIA GPU.")
    mine = (here["gpu"], here["compute_capability"], tensorrt.__version__)
    if mine != (info.get("gpu"), info.get("compute_capability"), info.get("tensorrt")):
        raise EngineMismatchError(
            f"{folder}: its engine was built for {built_for}, but this machine has {mine[0]} (compute {mine[1]}), "
            f"TensorRT {mine[2]}. TensorRT engines only run on the GPU model and TensorRT version that built them: "
            f"rebuild it here with: edgecompile device-build {folder}")
    return info
