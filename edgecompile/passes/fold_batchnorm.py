"""Fold inference BatchNormalization into the Conv before it: w' = w*g/s, b' = (b-mean)*g/s + beta."""
from __future__ import annotations

import numpy as np


def run(model, ctx):
    from onnx import numpy_helper

    graph = model.graph
    if not any(n.op_type == "BatchNormalization" for n in graph.node):  # the maps below cost seconds at 100k nodes
        return model, False, ""
    inits = {t.name: t for t in graph.initializer}
    consumers: dict[str, int] = {}
    for n in graph.node:
        for i in n.input:
            consumers[i] = consumers.get(i, 0) + 1
    graph_outputs = {o.name for o in graph.output}
    producer = {o: n for n in graph.node for o in n.output}
    folded, gone = 0, set()
    for bn in list(graph.node):
        if bn.op_type != "BatchNormalization" or len([o for o in bn.output if o]) != 1:
            continue
        conv = producer.get(bn.input[0])
        if conv is None or conv.op_type != "Conv" or consumers.get(conv.output[0]) != 1 or conv.output[0] in graph_outputs:
            continue
        params = bn.input[1:5]
        if conv.input[1] not in inits or not all(p in inits for p in params) or (len(conv.input) > 2 and conv.input[2] not in inits):
            continue
        eps = next((a.f for a in bn.attribute if a.name == "epsilon"), 1e-5)
        gamma, beta, mean, var = (numpy_helper.to_array(inits[p]).astype(np.float64) for p in params)
        w = numpy_helper.to_array(inits[conv.input[1]]).astype(np.float64)
        b = numpy_helper.to_array(inits[conv.input[2]]).astype(np.float64) if len(conv.input) > 2 and conv.input[2] else np.zeros(w.shape[0])
        k = gamma / np.sqrt(var + eps)
        w_new = (w * k.reshape(-1, *([1] * (w.ndim - 1)))).astype(np.float32)
        b_new = ((b - mean) * k + beta).astype(np.float32)
        wname, bname = f"{conv.name or conv.output[0]}_bnfold_w", f"{conv.name or conv.output[0]}_bnfold_b"
        graph.initializer.extend([numpy_helper.from_array(w_new, wname), numpy_helper.from_array(b_new, bname)])
        del conv.input[1:]
        conv.input.extend([wname, bname])
        conv.output[0] = bn.output[0]
        gone.add(id(bn))
        folded += 1
    if folded:  # drop the folded BatchNorms (one rebuild: remove() per node would be quadratic) and
        kept = [n for n in graph.node if id(n) not in gone]  # initializers nothing reads any more
        del graph.node[:]
        graph.node.extend(kept)
        used = {i for n in graph.node for i in n.input} | graph_outputs
        keep = [t for t in graph.initializer if t.name in used]
        del graph.initializer[:]
        graph.initializer.extend(keep)
    return model, folded > 0, f"folded {folded} BatchNorm into Conv" if folded else ""
