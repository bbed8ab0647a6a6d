"""Constant folding and graph simplification with onnxslim (dead nodes, shape subgraphs, fusions).

onnxslim costs a few milliseconds per node (graph-surgeon copies, repeated toposorts), minutes for a
100k-node graph; above SLIM_MAX_NODES, far beyond real edge models, edgecompile's own linear folder
(constant nodes evaluated once, dead nodes dropped) stands in and a note says so.
"""
from __future__ import annotations

SLIM_MAX_NODES = 5000


def _signature(model) -> tuple:
    return (len(model.graph.node), tuple(n.op_type for n in model.graph.node), len(model.graph.initializer))


def run(model, ctx):
    before = _signature(model)
    if before[0] > SLIM_MAX_NODES:
        from edgecompile.passes.linear_fold import fold

        ctx.notes.append(f"the graph has {before[0]} nodes: constants folded with edgecompile's linear folder "
                         f"instead of onnxslim (which is slow past {SLIM_MAX_NODES} nodes)")
        slim = fold(model)
    else:
        import onnxslim

        # weight tying compares every pair of same-shaped small constants: 2,500 of them (a 5,000-node chain of
        # Adds) took 100 s; identical constants stay separate instead
        slim = onnxslim.slim(model, no_shape_infer=False, skip_fusion_patterns=None, skip_optimizations=["weight_tying"])
    after = _signature(slim)
    changed = before != after
    detail = f"{before[0]} -> {after[0]} nodes" if changed else ""
    return slim, changed, detail
