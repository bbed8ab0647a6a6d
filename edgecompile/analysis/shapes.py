"""Tensor shapes and sizes from a shape-inferred graph."""
from __future__ import annotations

import numpy as np


def tensor_types(model) -> dict[str, tuple[tuple[int, ...], np.dtype]]:
    """name -> (shape, dtype) for every value the graph knows (inputs, outputs, value_info, weights)."""
    from onnx import helper

    out = {}
    for vi in list(model.graph.input) + list(model.graph.value_info) + list(model.graph.output):
        tt = vi.type.tensor_type
        if tt.elem_type == 0:
            continue
        shape = tuple(d.dim_value if d.HasField("dim_value") else 0 for d in tt.shape.dim)
        out[vi.name] = (shape, np.dtype(helper.tensor_dtype_to_np_dtype(tt.elem_type)))
    for t in model.graph.initializer:
        out[t.name] = (tuple(t.dims), np.dtype(helper.tensor_dtype_to_np_dtype(t.data_type)))
    return out


def nbytes(shape: tuple[int, ...], dtype: np.dtype) -> int:
    return int(np.prod(shape, dtype=np.int64)) * dtype.itemsize if shape is not None else 0
