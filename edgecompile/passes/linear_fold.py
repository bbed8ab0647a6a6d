"""A linear-time constant folder for very large graphs: nodes whose inputs are all constants are
evaluated once (onnx's reference evaluator) and become initializers; nodes nothing reads are dropped."""
from __future__ import annotations


def _evaluate(node, values: dict, opsets):
    from onnx import helper
    from onnx.reference import ReferenceEvaluator

    ins = [i for i in node.input if i]
    graph = helper.make_graph([node], "fold", [], [helper.make_tensor_value_info(o, 0, None) for o in node.output if o],
                              initializer=[values[i] for i in ins])
    return ReferenceEvaluator(helper.make_model(graph, opset_imports=opsets)).run(None, {})


def fold(model):
    from onnx import numpy_helper

    graph = model.graph
    values = {t.name: t for t in graph.initializer}
    folded, kept = [], []
    for node in graph.node:
        ins = [i for i in node.input if i]
        if not all(i in values for i in ins):  # the common case, tested first: some input is computed
            kept.append(node)
            continue
        plain = node.domain in ("", "ai.onnx") and not any(a.g.node or a.graphs for a in node.attribute)
        if plain and node.op_type not in ("RandomNormal", "RandomUniform", "RandomNormalLike",
                                          "RandomUniformLike", "Multinomial"):
            try:
                outs = _evaluate(node, values, list(model.opset_import))
            except Exception:  # an op the reference evaluator lacks stays in the graph
                kept.append(node)
                continue
            for name, arr in zip([o for o in node.output if o], outs):
                values[name] = numpy_helper.from_array(arr, name)
                folded.append(values[name])
            continue
        kept.append(node)
    needed = {o.name for o in graph.output}
    live = []
    for node in reversed(kept):  # graph order is topological: one backward sweep finds the live nodes
        if any(o in needed for o in node.output):
            live.append(node)
            needed.update(i for i in node.input if i)
    live.reverse()
    inits = [t for t in list(graph.initializer) + folded if t.name in needed]
    del graph.node[:]
    graph.node.extend(live)
    del graph.initializer[:]
    graph.initializer.extend(inits)
    return model
