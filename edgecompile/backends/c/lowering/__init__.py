"""Per-op lowering registry: which family module lowers an ONNX op (fp32 graphs) or closes a pending
int8 computation (QDQ graphs). One module per op family; each has `fp32(low, node, y_shape) -> tensor`
and/or `int8(low, p, qnode, y_shape, s, z, act) -> tensor`. Imported lazily, so that the families
depend on lowering.common and the IR only, never on each other or on the walk (lower.py)."""
from __future__ import annotations

import importlib

from edgecompile.errors import UnsupportedOpError

UNARY = {"Relu", "Clip", "Sigmoid", "Tanh", "LeakyRelu", "HardSigmoid", "HardSwish", "Elu", "Neg", "Abs", "Exp", "Sqrt"}
BINARY = {"Add": "+", "Sub": "-", "Mul": "*", "Div": "/", "Max": "max", "Min": "min"}
POOLS = {"MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "ReduceMean"}

FP32 = {"Conv": "conv", "Gemm": "dense", "MatMul": "dense", "Softmax": "softmax", "Concat": "concat", "Pad": "pad",
        **{op: "binary" for op in BINARY}, **{op: "unary" for op in UNARY}, **{op: "pool" for op in POOLS}}
# int8: the kind of a pending float computation (lowering/qdq.py) -> the family that emits its integer kernel
INT8 = {"conv": "conv", "dense": "dense", "add": "binary", "pool": "pool", "softmax": "softmax", "concat": "concat",
        "unary": "unary", "pad": "pad"}


def _family(name: str):
    return importlib.import_module(f"edgecompile.backends.c.lowering.{name}")


def fp32(op_type: str, where: str):
    if op_type not in FP32:
        raise UnsupportedOpError(f"c: {op_type} '{where}': the c backend has no fp32 kernel for this op.")
    return _family(FP32[op_type]).fp32


def int8(kind: str):
    return _family(INT8[kind]).int8
