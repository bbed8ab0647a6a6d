"""The passes made linear (issue 16 item 8) give the graph the plain per-node versions gave, on random graphs.

Each reference below is the obvious version (node.remove() per folded node, every test per node); the passes
must produce the same serialized model."""
from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from edgecompile.passes import PassContext, fold_batchnorm, fold_weight_dequantize, linear_fold


def _random_graph(seed: int, n: int = 40):
    """A random float graph over [1, 4] values: element-wise ops, Identity, MatMuls on weight-only int8 weights
    (DequantizeLinear), Adds of constant subexpressions (foldable), and dead branches."""
    rng = np.random.default_rng(seed)
    nodes, inits, live = [], [], ["x"]

    def init(name, arr):
        inits.append(numpy_helper.from_array(arr, name))
        return name

    for i in range(n):
        a = live[int(rng.integers(len(live)))]
        kind = int(rng.integers(6))
        out = f"v{i}"
        if kind == 0:
            nodes.append(helper.make_node(["Relu", "Neg", "Identity", "Sigmoid"][int(rng.integers(4))], [a], [out]))
        elif kind == 1:
            w, s = init(f"wq{i}", rng.integers(-127, 128, (4, 4)).astype(np.int8)), init(f"ws{i}", np.float32(0.01 * (i + 1)))
            nodes.append(helper.make_node("DequantizeLinear", [w, s], [f"w{i}"]))
            nodes.append(helper.make_node("MatMul", [a, f"w{i}"], [out]))
        elif kind == 2:
            c1, c2 = (init(f"c{i}_{k}", rng.uniform(-1, 1, (1, 4)).astype(np.float32)) for k in range(2))
            nodes.append(helper.make_node("Mul", [c1, c2], [f"cc{i}"]))
            nodes.append(helper.make_node("Add", [a, f"cc{i}"], [out]))
        elif kind == 3:
            b = live[int(rng.integers(len(live)))]
            nodes.append(helper.make_node("Add", [a, b], [out]))
        elif kind == 4:  # a dead branch: nothing reads it
            nodes.append(helper.make_node("Tanh", [a], [f"dead{i}"]))
            continue
        else:
            nodes.append(helper.make_node("Sub", [a, init(f"k{i}", rng.uniform(-1, 1, 4).astype(np.float32))], [out]))
        live.append(out)
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
                          [helper.make_tensor_value_info(live[-1], TensorProto.FLOAT, [1, 4])], inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])


def _copy(model):
    return onnx.load_from_string(model.SerializeToString())


def _reference_fold_weight_dequantize(model):
    graph = model.graph
    if any(n.op_type == "QuantizeLinear" for n in graph.node):
        return model
    inits = {t.name: t for t in graph.initializer}
    for node in list(graph.node):
        if node.op_type != "DequantizeLinear" or not all(i in inits for i in node.input if i):
            continue
        x, scale = (numpy_helper.to_array(inits[i]) for i in node.input[:2])
        graph.initializer.append(numpy_helper.from_array((x.astype(np.float32) * scale).astype(np.float32), node.output[0]))
        graph.node.remove(node)
    used = {i for n in graph.node for i in n.input} | {o.name for o in graph.output}
    keep = [t for t in graph.initializer if t.name in used]
    del graph.initializer[:]
    graph.initializer.extend(keep)
    return model


def _reference_linear_fold(model):
    graph = model.graph
    values = {t.name: t for t in graph.initializer}
    folded, kept = [], []
    for node in graph.node:
        ins = [i for i in node.input if i]
        if node.domain in ("", "ai.onnx") and all(i in values for i in ins):
            try:
                outs = linear_fold._evaluate(node, values, list(model.opset_import))
            except RuntimeError:  # an op the reference evaluator lacks at this opset
                kept.append(node)
                continue
            for name, arr in zip([o for o in node.output if o], outs):
                values[name] = numpy_helper.from_array(arr, name)
                folded.append(values[name])
            continue
        kept.append(node)
    needed = {o.name for o in graph.output}
    live = []
    for node in reversed(kept):
        if any(o in needed for o in node.output):
            live.append(node)
            needed.update(i for i in node.input if i)
    inits = [t for t in list(graph.initializer) + folded if t.name in needed]
    del graph.node[:]
    graph.node.extend(reversed(live))
    del graph.initializer[:]
    graph.initializer.extend(inits)
    return model


def test_linear_passes_give_the_reference_graphs_on_random_graphs():
    for seed in range(25):
        model = _random_graph(seed)
        got, _, _ = fold_weight_dequantize.run(_copy(model), PassContext())
        assert got.SerializeToString() == _reference_fold_weight_dequantize(_copy(model)).SerializeToString(), seed
        assert linear_fold.fold(_copy(model)).SerializeToString() == _reference_linear_fold(_copy(model)).SerializeToString(), seed
        same, changed, _ = fold_batchnorm.run(_copy(model), PassContext())  # no BatchNorm: nothing to fold
        assert not changed and same.SerializeToString() == model.SerializeToString(), seed


def test_fold_weight_dequantize_folds_every_weight_of_a_long_graph():
    model = _random_graph(7, n=400)
    dq = sum(n.op_type == "DequantizeLinear" for n in model.graph.node)
    got, changed, detail = fold_weight_dequantize.run(_copy(model), PassContext())
    assert dq > 50 and changed and detail.startswith(f"dequantized {dq} ")
    assert not any(n.op_type == "DequantizeLinear" for n in got.graph.node)
