"""What every lowering family shares: ONNX attributes, quantized constants, broadcast strides."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from edgecompile.backends.c.ir import logical_strides, pad4


@dataclass
class Pending:
    """A float computation of a QDQ graph waiting for the QuantizeLinear that closes it (lowering/qdq.py)."""

    kind: str  # conv, dense, add, pool, softmax, unary, concat
    node: object
    inputs: list[str]  # int8 IR tensors (the DequantizeLinear sources)
    act: tuple = (None,)  # ("relu",) or ("clip", lo, hi) fused before the QuantizeLinear
    bias: object = None  # MatMul + Add(bias)
    chain: list = field(default_factory=list)  # extra float element-wise nodes (LUT path)


def is_qdq(model) -> bool:
    return any(n.op_type in ("QuantizeLinear", "DequantizeLinear") for n in model.graph.node)


def same_quant(t, s, z) -> bool:
    return t.scale is not None and abs(t.scale - s) <= 1e-7 * s and t.zp == z


def broadcast_strides(t_shape, t_lstrides, out) -> list[int]:
    """Strides (in elements) to read an input while walking the output in its storage order."""
    r = len(out.shape)
    shape = [1] * (r - len(t_shape)) + list(t_shape)
    ls = [0] * (r - len(t_shape)) + list(t_lstrides)
    ls = [0 if shape[d] == 1 and out.shape[d] != 1 else ls[d] for d in range(r)]
    return [ls[p] for p in out.perm]


def binary_operand(low, name_or_const, out):
    """(IR tensor name or None, const array or None, strides in out's storage order)."""
    if isinstance(name_or_const, np.ndarray):
        arr = np.ascontiguousarray(name_or_const)
        st = [int(s // arr.itemsize) for s in arr.strides] if arr.ndim else []
        return None, arr, pad4(broadcast_strides(arr.shape, st, out), 0)
    t = low.g.tensors[name_or_const]
    return name_or_const, None, pad4(broadcast_strides(t.shape, logical_strides(t), out), 0)


def computed(low, node, i) -> str:
    """Input i of an fp32 node: it must be a computed tensor."""
    kind, v = low.values.get(node.input[i], (None, None))
    if kind != "t":
        low.fail(node, f"input {i} must be a computed tensor")
    return v
