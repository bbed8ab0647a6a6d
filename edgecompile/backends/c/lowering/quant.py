"""int8 helpers shared by the integer kernels' lowerings: int32 bias in accumulator units."""
from __future__ import annotations

import numpy as np

from edgecompile.backends.c import limits
from edgecompile.backends.c.ir import QConst


def bias_int32(low, node, v, in_scale, ws, n) -> np.ndarray:
    """int32 bias in accumulator units (input scale x weight scale), as TFLite stores it."""
    if v is None:
        return np.zeros(n, np.int32)
    if isinstance(v, QConst) and v.q.dtype == np.int32:
        return np.broadcast_to(v.q.astype(np.int32).ravel(), (n,)).copy()
    real = v.real() if isinstance(v, QConst) else np.asarray(v, np.float32)
    real = np.broadcast_to(real.ravel(), (n,))
    q = np.round(real.astype(np.float64) / (float(in_scale) * ws.astype(np.float64)))
    limits.fit(node.name or node.op_type, "the quantized bias", q, "int32_t")
    return q.astype(np.int32)
