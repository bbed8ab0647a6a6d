"""TFLite flatbuffers -> ONNX through tf2onnx (extra [tflite]). Int8 models arrive as QDQ ONNX.

TFLite tensors are NHWC, and by default the ONNX graph keeps them so (callers and calibration
data stay as the .tflite's users know them). The graph then records which 4-D inputs and outputs
are channels-last in its metadata (CHANNELS_LAST_KEY), so a backend that lays tensors out itself
(tflite) keeps them as they are: a .tflite -> ONNX -> .tflite round trip gives the original
interface. nchw=True instead turns them to ONNX's NCHW at the boundary (tf2onnx's inputs_as_nchw /
outputs_as_nchw, whose transposes cancel against the ones tf2onnx adds around convolutions).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from edgecompile.core.graph import CHANNELS_LAST_KEY
from edgecompile.errors import MissingExtraError, ModelLoadError, UsageError
from edgecompile.frontends import LoadedModel, sha256_bytes
from edgecompile.frontends.tflite_child import OPSET

IMPORT_TIMEOUT_S = 600
MAX_TFLITE_BYTES = 2 << 30  # flatbuffers address 32-bit offsets; a bigger file cannot be a .tflite


def load(path: Path, weights: str | None, input_shapes: dict, nchw: bool = False) -> LoadedModel:
    """Import in a child process: tf2onnx and the flatbuffer reader run native code and trust the file,
    so a damaged or hostile .tflite can crash or hang them; the child's crash or timeout is an error here."""
    if weights:
        raise UsageError("--weights goes with 'file.py:Class' sources; a .tflite file carries its weights.")
    if path.stat().st_size > MAX_TFLITE_BYTES:
        raise ModelLoadError(f"'{path}' is {path.stat().st_size} bytes: larger than any TFLite flatbuffer can be.")
    data = path.read_bytes()
    if len(data) < 8 or data[4:8] != b"TFL3":
        raise ModelLoadError(f"'{path}' is not a TFLite flatbuffer (no TFL3 identifier).")
    import onnx

    from edgecompile.errors import ToolError
    from edgecompile.frontends.tflite_child import EXIT_MISSING, EXIT_REFUSED
    from edgecompile.staging import scratch_dir
    from edgecompile.tools import run as run_tool

    with scratch_dir("tflite-import") as tmp:
        out = Path(tmp) / "model.onnx"
        cmd = [sys.executable, "-m", "edgecompile.frontends.tflite_child", str(path), str(out), "1" if nchw else "0"]
        try:
            proc = run_tool(cmd, f"Importing '{path}' with tf2onnx", IMPORT_TIMEOUT_S)
        except ToolError as e:
            raise ModelLoadError(f"'{path}' could not be imported: {e}") from None
        last = (proc.stdout.strip().splitlines() or ["{}"])[-1]
        if proc.returncode == EXIT_MISSING:
            raise MissingExtraError("tflite frontend", "tflite", last)
        if proc.returncode == EXIT_REFUSED:
            raise ModelLoadError(last)
        if proc.returncode != 0 or not out.is_file():
            tail = " | ".join((proc.stderr or proc.stdout).strip().splitlines()[-2:])[-400:]
            raise ModelLoadError(f"Importing '{path}' failed (exit {proc.returncode}): {tail}")
        ins, outs = json.loads(last)
        model = onnx.load(str(out))
    model.producer_name, model.producer_version = "edgecompile (tf2onnx)", ""  # stable bytes
    named = " and ".join(f"{kind} {names}" for kind, names in (("inputs", ins), ("outputs", outs)) if names)
    if nchw and named:
        layout = f"4-D {named} turned from TFLite's NHWC to ONNX's NCHW"
    elif named:
        onnx.helper.set_model_props(model, {CHANNELS_LAST_KEY: ",".join(ins + outs)})
        layout = f"4-D {named} keep TFLite's NHWC layout"
    else:
        layout = "no 4-D inputs or outputs"
    notes = [f"converted from TFLite with tf2onnx (opset {OPSET}); {layout}"]
    return LoadedModel(model, str(path), sha256_bytes(data), "tflite", notes)
