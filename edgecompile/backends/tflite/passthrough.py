"""Keep a .tflite source as the artifact itself when it already is what the build asks for.

A full-int8 .tflite built int8 (its own scales, TFLite's integer kernels) or a float .tflite built
fp32 needs no conversion: the original flatbuffer is the fastest and most faithful artifact, and
re-emitting it through ONNX -> onnx2tf would at best reproduce it. The tf2onnx import made the
normalized graph from these very bytes, so the parity check against it still applies.
"""
from __future__ import annotations

from pathlib import Path


def source_precision(data: bytes) -> str:
    """'int8' (every input and output an integer quantized tensor), 'fp32' (float through and through), else 'mixed'."""
    from edgecompile.backends.tflite.flatbuffer import _schema

    schema = _schema()
    sg = schema.ModelT.InitFromPackedBuf(bytearray(data), 0).subgraphs[0]
    ints = (schema.TensorType.INT8, schema.TensorType.UINT8)
    io = [sg.tensors[i] for i in list(sg.inputs) + list(sg.outputs)]
    quantized = all(t.type in ints and t.quantization is not None and t.quantization.scale is not None
                    and len(t.quantization.scale) for t in io)
    floats = all(t.type == schema.TensorType.FLOAT32 for t in io)
    if quantized:
        return "int8"
    from edgecompile.backends.tflite.flatbuffer import read_ops

    # int8 weights straight into a float op: TFLite's hybrid kernels quantize activations on the fly
    # (measured on MLPerf KWS "float32": 1.1e-2 relative error against float math), so not fp32
    hybrid = any("FLOAT32" in op.input_types and any(t == "INT8" and c for t, c in zip(op.input_types, op.const_inputs))
                 for op in read_ops(data) if op.name != "DEQUANTIZE")
    return "fp32" if floats and not hybrid else "mixed"


def usable_source(source, precision: str, io_type: str, graph_inputs) -> bytes | None:
    """The original bytes when `source` (a frontends.LoadedModel) is a .tflite this build can keep as-is:
    same precision, same I/O types, same input shapes as the normalized graph (no --input-shape change)."""
    if source is None or getattr(source, "kind", None) != "tflite":
        return None
    data = Path(source.source).read_bytes()
    own = source_precision(data)
    if own != precision or (precision == "int8" and io_type != "int8"):
        return None
    from edgecompile.backends.tflite.runner import make_interpreter

    details = make_interpreter(Path(source.source)).get_input_details()
    if sorted(tuple(int(v) for v in d["shape"]) for d in details) != sorted(tuple(s.shape) for s in graph_inputs):
        return None
    return data
