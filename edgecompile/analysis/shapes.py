"""Tensor shapes and sizes from a shape-inferred graph."""
from __future__ import annotations

import numpy as np


def tensor_types(model, static: set | None = None) -> dict[str, tuple[tuple[int, ...], np.dtype]]:
    """name -> (shape, dtype) for every value the graph knows (inputs, outputs, value_info, weights). `static`,
    when given, receives the names of the values (not weights) whose every dimension is a number."""
    from onnx import helper

    out, dtypes = {}, {}
    for vi in list(model.graph.input) + list(model.graph.value_info) + list(model.graph.output):
        tt = vi.type.tensor_type
        if tt.elem_type == 0:
            continue
        dims = tt.shape.dim
        shape = tuple(d.dim_value if d.HasField("dim_value") else 0 for d in dims)
        if static is not None and tt.HasField("shape") and all(d.HasField("dim_value") for d in dims):
            static.add(vi.name)
        if tt.elem_type not in dtypes:  # one numpy dtype per element type, not per value
            dtypes[tt.elem_type] = np.dtype(helper.tensor_dtype_to_np_dtype(tt.elem_type))
        out[vi.name] = (shape, dtypes[tt.elem_type])
    for t in model.graph.initializer:
        out[t.name] = (tuple(t.dims), np.dtype(helper.tensor_dtype_to_np_dtype(t.data_type)))
    return out


def nbytes(shape: tuple[int, ...], dtype: np.dtype) -> int:
    return int(np.prod(shape, dtype=np.int64)) * dtype.itemsize if shape is not None else 0
