"""ONNX files: read, check, and refuse what is not ONNX with a clear message."""
from __future__ import annotations

from pathlib import Path

from edgecompile.errors import ModelLoadError
from edgecompile.frontends import LoadedModel, sha256_bytes


def parse(data: bytes, label: str):
    import onnx
    from google.protobuf.message import DecodeError

    try:
        model = onnx.load_from_string(data)
    except (DecodeError, RuntimeError, ValueError) as e:
        raise ModelLoadError(f"'{label}' is not a readable ONNX model (protobuf parse failed: {e}).") from e
    if not model.graph.node or not model.opset_import:
        raise ModelLoadError(f"'{label}' parsed, but holds no ONNX graph (truncated or not an ONNX file).")
    try:
        onnx.checker.check_model(model)
    except onnx.checker.ValidationError as e:
        first = str(e).strip().splitlines()[0]
        raise ModelLoadError(f"'{label}' is not a valid ONNX model: {first}") from e
    return model


def load(path: Path, weights: str | None, input_shapes: dict) -> LoadedModel:
    if weights:
        raise ModelLoadError("--weights is for PyTorch sources; an ONNX file carries its own weights.")
    data = path.read_bytes()
    model = parse(data, str(path))
    if any(t.data_location == 1 for t in model.graph.initializer):  # weights in a side file
        from onnx.external_data_helper import load_external_data_for_model

        load_external_data_for_model(model, str(path.parent))
    return LoadedModel(model, str(path), sha256_bytes(data), "onnx")
