"""s8-activation QDQ -> u8 activations: the same numbers, graph int8 I/O unchanged (openvino's flavor)."""
from __future__ import annotations

import numpy as np


def _qdq_model():
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)
    w = rng.integers(-127, 128, (4, 1, 3, 3)).astype(np.int8)
    inits = [numpy_helper.from_array(w, "w_q"), numpy_helper.from_array(np.full(4, 0.02, np.float32), "w_s"),
             numpy_helper.from_array(np.zeros(4, np.int8), "w_z"),
             numpy_helper.from_array(np.array(0.05, np.float32), "x_s"), numpy_helper.from_array(np.array(3, np.int8), "x_z"),
             numpy_helper.from_array(np.array(0.1, np.float32), "a_s"), numpy_helper.from_array(np.array(-5, np.int8), "a_z"),
             numpy_helper.from_array(np.array([1, 4 * 36], np.int64), "shape")]
    nodes = [helper.make_node("DequantizeLinear", ["x", "x_s", "x_z"], ["xf"], name="dq_x"),
             helper.make_node("DequantizeLinear", ["w_q", "w_s", "w_z"], ["wf"], name="dq_w", axis=0),
             helper.make_node("Conv", ["xf", "wf"], ["c"], name="conv"),
             helper.make_node("QuantizeLinear", ["c", "a_s", "a_z"], ["cq"], name="q_c"),
             helper.make_node("Reshape", ["cq", "shape"], ["rq"], name="flat"),
             helper.make_node("DequantizeLinear", ["rq", "a_s", "a_z"], ["rf"], name="dq_r"),
             helper.make_node("Relu", ["rf"], ["r"], name="relu"),
             helper.make_node("QuantizeLinear", ["r", "a_s", "a_z"], ["y"], name="q_y")]
    g = helper.make_graph(nodes, "qdq", [helper.make_tensor_value_info("x", TensorProto.INT8, [1, 1, 8, 8])],
                          [helper.make_tensor_value_info("y", TensorProto.INT8, [1, 144])], inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])


def test_same_outputs_with_u8_activations_inside():
    import onnx
    import onnxruntime as ort

    from edgecompile.quant.u8_activations import to_u8_activations

    m = _qdq_model()
    u = to_u8_activations(m)
    onnx.checker.check_model(u)
    inits = {t.name: t for t in u.graph.initializer}
    q_zps = [inits[n.input[2]].data_type for n in u.graph.node if n.op_type == "QuantizeLinear" and n.output[0] != "y"]
    assert q_zps and all(t == onnx.TensorProto.UINT8 for t in q_zps)
    assert u.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.INT8  # interface unchanged
    x = np.random.default_rng(1).integers(-128, 128, (1, 1, 8, 8)).astype(np.int8)
    a = ort.InferenceSession(m.SerializeToString()).run(None, {"x": x})[0]
    b = ort.InferenceSession(u.SerializeToString()).run(None, {"x": x})[0]
    np.testing.assert_array_equal(a, b)
