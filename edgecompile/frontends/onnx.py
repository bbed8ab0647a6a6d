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
    except (onnx.checker.ValidationError, UnicodeDecodeError) as e:  # strings that are not UTF-8 fail in C++
        first = (str(e).strip().splitlines() or [type(e).__name__])[0]
        raise ModelLoadError(f"'{label}' is not a valid ONNX model: {first}") from None
    return model


def load(path: Path, weights: str | None, input_shapes: dict) -> LoadedModel:
    if weights:
        raise ModelLoadError("--weights is for PyTorch sources; an ONNX file carries its own weights.")
    data = path.read_bytes()
    model = parse(data, str(path))
    if any(t.data_location == 1 for t in model.graph.initializer):  # weights in a side file
        from onnx.external_data_helper import load_external_data_for_model

        for t in model.graph.initializer:
            if t.data_location == 1:
                _check_external(t, path)
        try:
            load_external_data_for_model(model, str(path.parent))
        except (OSError, ValueError) as e:  # onnx refuses paths outside the folder with ValueError
            raise ModelLoadError(f"'{path}': cannot read its external weights: {str(e)[:300]}") from None
    return LoadedModel(model, str(path), sha256_bytes(data), "onnx")


def _check_external(t, path: Path) -> None:
    """An external tensor's declared size against the limit and its file, before anything is read."""
    import numpy as np
    from onnx import helper

    from edgecompile.limits import over

    info = {e.key: e.value for e in t.external_data}
    try:
        itemsize = np.dtype(helper.tensor_dtype_to_np_dtype(t.data_type)).itemsize
        offset, length = int(info.get("offset", 0)), int(info.get("length", -1))
    except (KeyError, TypeError, ValueError):
        raise ModelLoadError(f"'{path}': external tensor '{t.name}' has a damaged type or offset/length.") from None
    nbytes = int(np.prod(list(t.dims), dtype=object)) * itemsize
    why = over(max(nbytes, length), f"'{path}': external tensor '{t.name}' ({list(t.dims)})")
    if why:
        raise ModelLoadError(why)
    side = path.parent / info.get("location", "")
    if not info.get("location") or not side.is_file():
        raise ModelLoadError(f"'{path}': external tensor '{t.name}' names a data file that does not exist: "
                             f"{info.get('location')!r}.")
    if length not in (-1, nbytes) or offset < 0 or offset + nbytes > side.stat().st_size:
        raise ModelLoadError(f"'{path}': external tensor '{t.name}' needs {nbytes} bytes at offset {offset} of "
                             f"{side.name}, which does not hold them.")
