"""Weight-only quantized graphs (int8 weights + DequantizeLinear, float activations, no
QuantizeLinear anywhere) become plain float graphs: the hub graph is fp32, and every backend then
quantizes it its own way or not at all. Full QDQ graphs (int8 activations) are left alone: their
weights' integer values are what integer backends must reproduce bit-exactly."""
from __future__ import annotations

import numpy as np


def _dequantize(x: np.ndarray, scale: np.ndarray, zp: np.ndarray | None, axis: int) -> np.ndarray:
    if scale.ndim == 1 and x.ndim > 1:  # per-axis
        shape = [1] * x.ndim
        shape[axis] = -1
        scale = scale.reshape(shape)
        zp = zp.reshape(shape) if zp is not None else None
    q = x.astype(np.float32) - (zp.astype(np.float32) if zp is not None else 0.0)
    return (q * scale.astype(np.float32)).astype(np.float32)  # ONNX: (x - zp) * scale in float32


def run(model, ctx):
    from onnx import numpy_helper

    graph = model.graph
    kinds = {n.op_type for n in graph.node}
    if "QuantizeLinear" in kinds or "DequantizeLinear" not in kinds:
        return model, False, ""
    inits = {t.name: t for t in graph.initializer}
    folded, gone = 0, set()
    for k, node in enumerate(graph.node):
        if node.op_type != "DequantizeLinear" or not all(i in inits for i in node.input if i):
            continue
        arrays = [numpy_helper.to_array(inits[i]) if i else None for i in node.input]
        x, scale, zp = (arrays + [None])[:3]
        axis = next((a.i for a in node.attribute if a.name == "axis"), 1)
        graph.initializer.append(numpy_helper.from_array(_dequantize(x, scale, zp, axis), node.output[0]))
        gone.add(k)  # by position: id() of a protobuf wrapper can be reused once the wrapper is freed
        folded += 1
    if folded:  # one rebuild: remove() per node would be quadratic
        kept = [n for k, n in enumerate(graph.node) if k not in gone]
        del graph.node[:]
        graph.node.extend(kept)
        used = {i for n in graph.node for i in n.input} | {o.name for o in graph.output}
        keep = [t for t in graph.initializer if t.name in used]
        del graph.initializer[:]
        graph.initializer.extend(keep)
    return model, folded > 0, f"dequantized {folded} int8 weight tensors to float32" if folded else ""
