"""Read the operator list of a .tflite flatbuffer with LiteRT's generated schema (no interpreter needed)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class TfliteOp:
    index: int  # position in the primary subgraph's execution order
    name: str  # builtin operator name (CONV_2D, ...) or the custom code (FlexErf, ...)
    version: int
    custom: bool  # a custom or Flex (select TensorFlow) op: needs kernels the builtin runtime lacks
    input_types: tuple[str, ...]  # TensorType names of the inputs (FLOAT32, FLOAT16, INT8, ...)
    const_inputs: tuple[bool, ...]  # which inputs are constants (weights) rather than activations
    output: str  # name of the first output tensor: how a user finds the op in a graph viewer


def _schema():
    try:
        from ai_edge_litert import schema_py_generated as schema
    except ImportError:  # TensorFlow ships the same generated module
        from tensorflow.lite.python import schema_py_generated as schema
    return schema


def read_ops(model: str | Path | bytes) -> list[TfliteOp]:
    """Every operator of subgraph 0 (the model's main function), in execution order."""
    schema = _schema()
    buf = model if isinstance(model, (bytes, bytearray)) else Path(model).read_bytes()
    m = schema.ModelT.InitFromPackedBuf(bytearray(buf), 0)
    builtin = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}
    types = {v: k for k, v in vars(schema.TensorType).items() if not k.startswith("_")}
    sg = m.subgraphs[0]
    ops = []
    for i, op in enumerate(sg.operators):
        oc = m.operatorCodes[op.opcodeIndex]
        # deprecated_builtin_code holds codes < 127 for old readers; the larger of the two is the real one
        code = max(oc.builtinCode, oc.deprecatedBuiltinCode)
        name = builtin.get(code, str(code))
        custom = name == "CUSTOM"
        if custom:
            name = (oc.customCode or b"CUSTOM").decode()
        ins = [t for t in (op.inputs if op.inputs is not None else []) if t >= 0]
        in_types = tuple(types.get(sg.tensors[t].type, "?") for t in ins)
        const = tuple(bool(m.buffers[sg.tensors[t].buffer].data is not None and len(m.buffers[sg.tensors[t].buffer].data))
                      if sg.tensors[t].buffer > 0 else False for t in ins)
        out = sg.tensors[op.outputs[0]].name.decode() if op.outputs is not None and len(op.outputs) else ""
        ops.append(TfliteOp(i, name, int(oc.version), custom, in_types, const, out))
    return ops
