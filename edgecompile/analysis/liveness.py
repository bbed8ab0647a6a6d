"""Whole-tensor activation memory: the peak of simultaneously live bytes in execution order.

It bounds a planner that keeps every tensor whole; one that writes outputs over dying inputs (the C
backend's) goes below it, so `inspect` shows both. A tensor is live from the step that produces it (graph inputs: from the start) to the last step
that reads it (graph outputs: to the end). Weights are not activations and are not counted.
"""
from __future__ import annotations

from edgecompile.analysis.shapes import nbytes, tensor_types


def intervals(model) -> dict[str, tuple[int, int, int]]:
    """name -> (first step, last step, bytes) for every activation tensor."""
    types = tensor_types(model)
    weights = {t.name for t in model.graph.initializer}
    weights |= {o for n in model.graph.node if n.op_type == "Constant" for o in n.output}
    last = len(model.graph.node)
    live: dict[str, list[int]] = {}
    for vi in model.graph.input:
        if vi.name not in weights:
            live[vi.name] = [0, 0]
    for step, node in enumerate(model.graph.node):
        for name in node.input:
            if name in live:
                live[name][1] = step
        for name in node.output:
            if name and name not in weights:
                live.setdefault(name, [step, step])
    for o in model.graph.output:
        if o.name in live:
            live[o.name][1] = last
    out = {}
    for name, (a, b) in live.items():
        shape, dtype = types.get(name, (None, None))
        out[name] = (a, b, nbytes(shape, dtype) if dtype is not None else 0)
    return out


def peak_memory(model) -> dict:
    """{'peak_bytes', 'step', 'node', 'live': [{'tensor','bytes'}...]} at the first peak."""
    spans = intervals(model)
    nodes = list(model.graph.node)
    best, best_step, best_live = 0, 0, []
    for step in range(max(len(nodes), 1)):
        live = [(n, b) for n, (a, z, b) in spans.items() if a <= step <= z]
        total = sum(b for _, b in live)
        if total > best:
            best, best_step, best_live = total, step, live
    node = nodes[best_step] if nodes else None
    return {
        "peak_bytes": best,
        "step": best_step,
        "node": (node.name or node.op_type) if node is not None else None,
        "live": [{"tensor": n, "bytes": b} for n, b in sorted(best_live, key=lambda x: -x[1])],
    }
