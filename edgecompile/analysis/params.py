"""Parameter count and bytes: every initializer (and Constant node) the graph carries."""
from __future__ import annotations

import numpy as np


def params(model) -> dict:
    from onnx import helper

    count = nbytes = 0
    for t in model.graph.initializer:
        n = int(np.prod(t.dims, dtype=np.int64))
        count += n
        nbytes += n * np.dtype(helper.tensor_dtype_to_np_dtype(t.data_type)).itemsize
    for node in model.graph.node:
        if node.op_type == "Constant":
            for a in node.attribute:
                if a.name == "value":
                    n = int(np.prod(a.t.dims, dtype=np.int64))
                    count += n
                    nbytes += n * np.dtype(helper.tensor_dtype_to_np_dtype(a.t.data_type)).itemsize
    return {"count": count, "bytes": nbytes}
