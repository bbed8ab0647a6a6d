"""Global int8 AVERAGE_POOL_2D (+ the flattening RESHAPE after it) -> one MEAN over H and W.

XNNPACK has no int8 average pooling, so LiteRT runs that op with its own kernel between two XNNPACK
partitions; XNNPACK does have an int8 MEAN, which keeps the whole network in one partition. Both
compute the rounded average of the same integers at the same scale.
"""
from __future__ import annotations

import numpy as np

from edgecompile.backends.tflite.rewrite.graph import Graph

NAME = "global_avgpool_to_mean"


def _global(g: Graph, op) -> bool:
    x, y = op.inputs[0], op.outputs[0]
    o = op.builtinOptions
    if g.type_name(x) != "INT8" or len(g.shape(x)) != 4 or g.quant(x) is None:
        return False
    n, h, w, c = g.shape(x)
    return ((o.filterHeight, o.filterWidth) == (h, w) and g.shape(y) == (n, 1, 1, c)
            and o.fusedActivationFunction == 0 and g.quant(x)[:2] == g.quant(y)[:2])


def apply(g: Graph) -> int:
    """Rewrite every global int8 average pool; returns how many."""
    done = 0
    for op in [op for op in g.sg.operators if g.op_name(op) == "AVERAGE_POOL_2D"]:
        if not _global(g, op):
            continue
        x, y = op.inputs[0], op.outputs[0]
        old, out, keep_dims = [op], y, True
        users = g.consumers(y)
        if len(users) == 1 and not g.is_graph_output(y) and g.op_name(users[0]) == "RESHAPE" \
                and g.shape(users[0].outputs[0]) == (g.shape(y)[0], g.shape(y)[3]) \
                and g.sg.operators.index(users[0]) == g.sg.operators.index(op) + 1:
            old, out, keep_dims = [op, users[0]], users[0].outputs[0], False
        axes = g.add_tensor(f"{g.tensor(out).name.decode()}/axes", (2,), "INT32", data=np.array([1, 2], np.int32))
        opts = g.s.ReducerOptionsT()
        opts.keepDims = keep_dims
        g.replace(old, [g.new_op("MEAN", [x, axes], [out], version=2, options_type="ReducerOptions", options=opts)])
        done += 1
    return done
