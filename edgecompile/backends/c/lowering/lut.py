"""int8 element-wise functions and requantization as a 256-entry `lut` op: Q(f(DQ(q))) for every q,
computed in float32 exactly as ONNX Runtime does, with any fused Relu/Clip."""
from __future__ import annotations

import numpy as np

from edgecompile.core.graph import attrs_of


def _table_model(low, p, x_scale, x_zp, s, z):
    """The ONNX graph q -> DequantizeLinear -> p's float chain -> fused clamp -> QuantizeLinear."""
    import onnx
    from onnx import TensorProto, helper

    nodes = [helper.make_node("DequantizeLinear", ["q", "s_in", "z_in"], ["f0"])]
    prev = "f0"
    inits = [helper.make_tensor("s_in", TensorProto.FLOAT, [], [x_scale]),
             helper.make_tensor("z_in", TensorProto.INT8, [], [x_zp]),
             helper.make_tensor("s_out", TensorProto.FLOAT, [], [s]),
             helper.make_tensor("z_out", TensorProto.INT8, [], [z])]
    for i, n in enumerate(p.chain):
        ins = [prev] + [f"c{i}_{j}" for j in range(1, len(n.input)) if n.input[j]]
        for j in range(1, len(n.input)):
            if n.input[j]:
                inits.append(onnx.numpy_helper.from_array(np.asarray(low.const(n, j, "parameter"), np.float32), f"c{i}_{j}"))
        nodes.append(helper.make_node(n.op_type, ins, [f"f{i + 1}"], **attrs_of(n)))
        prev = f"f{i + 1}"
    if p.act[0] is not None:
        lo, hi = (0.0, None) if p.act[0] == "relu" else p.act[1:]
        nodes.append(helper.make_node("Clip", [prev, "lo", "hi"], ["fa"]))
        inits += [helper.make_tensor("lo", TensorProto.FLOAT, [], [-3.4e38 if lo is None else lo]),
                  helper.make_tensor("hi", TensorProto.FLOAT, [], [3.4e38 if hi is None else hi])]
        prev = "fa"
    nodes.append(helper.make_node("QuantizeLinear", [prev, "s_out", "z_out"], ["y"]))
    graph = helper.make_graph(nodes, "lut", [helper.make_tensor_value_info("q", TensorProto.INT8, [1, 256])],
                              [helper.make_tensor_value_info("y", TensorProto.INT8, [1, 256])], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def lut(low, p, x, y_shape, s, z) -> str:
    """Q(f(DQ(q))) for all 256 q, in float32 like ONNX Runtime (round half to even, saturate)."""
    import onnxruntime as ort

    g = low.g
    xt = g.tensors[x]
    model = _table_model(low, p, xt.scale, xt.zp, s, z)
    q = np.arange(-128, 128, dtype=np.int8).reshape(1, 256)
    table = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, {"q": q})[0]
    y = g.tensor(p.node.output[0], y_shape, "int8", xt.perm, s, z)
    g.add("lut", [x], [y.name], p.node.name, table=table.ravel().astype(np.int8)).inplace = True
    return y.name
