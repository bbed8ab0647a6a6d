"""Constant folding and graph simplification with onnxslim (dead nodes, shape subgraphs, fusions)."""
from __future__ import annotations


def _signature(model) -> tuple:
    return (len(model.graph.node), tuple(n.op_type for n in model.graph.node), len(model.graph.initializer))


def run(model, ctx):
    import onnxslim

    before = _signature(model)
    slim = onnxslim.slim(model, no_shape_infer=False, skip_fusion_patterns=None)
    after = _signature(slim)
    changed = before != after
    detail = f"{before[0]} -> {after[0]} nodes" if changed else ""
    return slim, changed, detail
