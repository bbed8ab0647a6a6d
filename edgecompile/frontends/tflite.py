"""TFLite flatbuffers -> ONNX through tf2onnx (extra [tflite]). Int8 models arrive as QDQ ONNX."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from edgecompile.errors import MissingExtraError, ModelLoadError, UsageError
from edgecompile.frontends import LoadedModel, sha256_bytes

OPSET = 17


def load(path: Path, weights: str | None, input_shapes: dict) -> LoadedModel:
    if weights:
        raise UsageError("--weights goes with 'file.py:Class' sources; a .tflite file carries its weights.")
    data = path.read_bytes()
    if len(data) < 8 or data[4:8] != b"TFL3":
        raise ModelLoadError(f"'{path}' is not a TFLite flatbuffer (no TFL3 identifier).")
    try:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        from tf2onnx import convert
    except ImportError as e:
        raise MissingExtraError("tflite frontend", "tflite", str(e)) from e
    import onnx

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "model.onnx"
        try:
            convert.from_tflite(str(path), opset=OPSET, output_path=str(out))
        except Exception as e:
            raise ModelLoadError(f"tf2onnx could not convert '{path}': {str(e).splitlines()[0]}") from e
        model = onnx.load(str(out))
    notes = [f"converted from TFLite with tf2onnx (opset {OPSET}); inputs keep TFLite's NHWC layout"]
    return LoadedModel(model, str(path), sha256_bytes(data), "tflite", notes)
