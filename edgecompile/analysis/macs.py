"""Multiply-accumulates per layer, for the ops that dominate edge models."""
from __future__ import annotations

import numpy as np

from edgecompile.analysis.shapes import tensor_types


def _attr(node, name, default):
    for a in node.attribute:
        if a.name == name:
            return a.i if a.type == 2 else list(a.ints) if a.type == 7 else default
    return default


def node_macs(node, types) -> int:
    def shape(name):
        return types.get(name, ((), None))[0]

    op = node.op_type
    if op in ("Conv", "ConvInteger", "QLinearConv", "ConvTranspose"):
        w = shape(node.input[3] if op == "QLinearConv" else node.input[1])
        y = shape(node.output[0])
        if not w or not y:
            return 0
        if op == "ConvTranspose":
            x = shape(node.input[0])
            return int(np.prod(x)) * int(np.prod(w[1:])) if x else 0
        # each output element needs Cin/groups * kernel MACs = prod(w[1:])
        return int(np.prod(y)) * int(np.prod(w[1:]))
    if op in ("Gemm", "MatMul", "MatMulInteger", "QLinearMatMul"):
        a = shape(node.input[0])
        y = shape(node.output[0])
        if not a or not y:
            return 0
        k = a[0] if op == "Gemm" and _attr(node, "transA", 0) else a[-1]
        return int(np.prod(y)) * int(k)
    return 0


def macs(model) -> dict:
    """{'total': int, 'layers': [{'node', 'op', 'macs'}...]} in graph order, MAC-carrying nodes only."""
    types = tensor_types(model)
    layers = []
    for i, node in enumerate(model.graph.node):
        m = node_macs(node, types)
        if m:
            layers.append({"node": node.name or f"{node.op_type}_{i}", "op": node.op_type, "macs": m})
    return {"total": sum(entry["macs"] for entry in layers), "layers": layers}
