"""TFLite flatbuffers -> ONNX through tf2onnx (extra [tflite]). Int8 models arrive as QDQ ONNX.

TFLite tensors are NHWC, and by default the ONNX graph keeps them so (callers and calibration
data stay as the .tflite's users know them). The graph then records which 4-D inputs and outputs
are channels-last in its metadata (CHANNELS_LAST_KEY), so a backend that lays tensors out itself
(tflite) keeps them as they are: a .tflite -> ONNX -> .tflite round trip gives the original
interface. nchw=True instead turns them to ONNX's NCHW at the boundary (tf2onnx's inputs_as_nchw /
outputs_as_nchw, whose transposes cancel against the ones tf2onnx adds around convolutions).
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from edgecompile.core.graph import CHANNELS_LAST_KEY
from edgecompile.errors import MissingExtraError, ModelLoadError, UsageError
from edgecompile.frontends import LoadedModel, sha256_bytes

OPSET = 17


def boundary_4d(data: bytes) -> tuple[list[str], list[str]]:
    """Names of the 4-D inputs and outputs of the main subgraph (TFLite tensors are NHWC)."""
    try:
        from ai_edge_litert import schema_py_generated as schema
    except ImportError:
        from tensorflow.lite.python import schema_py_generated as schema
    m = schema.ModelT.InitFromPackedBuf(bytearray(data), 0)
    sg = m.subgraphs[0]

    def four_d(ids):
        return [sg.tensors[i].name.decode() for i in (ids if ids is not None else [])
                if sg.tensors[i].shape is not None and len(sg.tensors[i].shape) == 4]

    return four_d(sg.inputs), four_d(sg.outputs)


def load(path: Path, weights: str | None, input_shapes: dict, nchw: bool = False) -> LoadedModel:
    if weights:
        raise UsageError("--weights goes with 'file.py:Class' sources; a .tflite file carries its weights.")
    data = path.read_bytes()
    if len(data) < 8 or data[4:8] != b"TFL3":
        raise ModelLoadError(f"'{path}' is not a TFLite flatbuffer (no TFL3 identifier).")
    from edgecompile.core.quiet import quiet

    try:
        with quiet():  # importing TensorFlow prints CUDA and oneDNN notices
            from tf2onnx import convert
    except ImportError as e:
        raise MissingExtraError("tflite frontend", "tflite", str(e)) from e
    import onnx

    ins, outs = boundary_4d(data)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "model.onnx"
        try:
            with quiet():  # tf2onnx logs every rewrite, and runs TF's deprecated interpreter
                convert.from_tflite(str(path), opset=OPSET, output_path=str(out),
                                    inputs_as_nchw=(ins or None) if nchw else None,
                                    outputs_as_nchw=(outs or None) if nchw else None)
        except Exception as e:
            raise ModelLoadError(f"tf2onnx could not convert '{path}': {str(e).splitlines()[0]}") from e
        model = onnx.load(str(out))
    model.producer_name, model.producer_version = "edgecompile (tf2onnx)", ""  # stable bytes
    if nchw:
        layout = f"4-D inputs {ins} and outputs {outs} turned from TFLite's NHWC to ONNX's NCHW"
    elif ins or outs:
        onnx.helper.set_model_props(model, {CHANNELS_LAST_KEY: ",".join(ins + outs)})
        layout = f"4-D inputs {ins} and outputs {outs} keep TFLite's NHWC layout"
    else:
        layout = "no 4-D inputs or outputs"
    notes = [f"converted from TFLite with tf2onnx (opset {OPSET}); {layout}"]
    return LoadedModel(model, str(path), sha256_bytes(data), "tflite", notes)
