"""Params, MACs and the activation-memory lower bound on graphs whose answers are known by hand."""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from edgecompile.analysis.liveness import peak_memory
from edgecompile.analysis.macs import macs
from edgecompile.analysis.params import params


def _chain():
    """x(1x2x8x8) -Conv 3x3 pad1-> a(1x4x8x8) -Relu-> b -Conv 1x1-> c(1x2x8x8) -Add(b?, no: x)-> y."""
    w1 = numpy_helper.from_array(np.ones((4, 2, 3, 3), np.float32), "w1")
    w2 = numpy_helper.from_array(np.ones((2, 4, 1, 1), np.float32), "w2")
    nodes = [
        helper.make_node("Conv", ["x", "w1"], ["a"], name="conv1", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["a"], ["b"], name="relu"),
        helper.make_node("Conv", ["b", "w2"], ["c"], name="conv2"),
        helper.make_node("Add", ["c", "x"], ["y"], name="residual"),
    ]
    graph = helper.make_graph(nodes, "chain", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 8, 8])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2, 8, 8])], [w1, w2])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    return onnx.shape_inference.infer_shapes(model)


def test_params():
    assert params(_chain()) == {"count": 4 * 2 * 9 + 2 * 4, "bytes": (72 + 8) * 4}


def test_macs_per_layer():
    m = macs(_chain())
    assert [entry["node"] for entry in m["layers"]] == ["conv1", "conv2"]
    assert m["layers"][0]["macs"] == 4 * 8 * 8 * 2 * 9  # out elements x (cin x k x k)
    assert m["layers"][1]["macs"] == 2 * 8 * 8 * 4
    assert m["total"] == sum(entry["macs"] for entry in m["layers"])


def test_peak_memory_counts_the_residual_input():
    peak = peak_memory(_chain())
    # at relu: x (512 B, still needed by the Add), a (1024 B) and b (1024 B) are live together
    assert peak["peak_bytes"] == 512 + 1024 + 1024
    assert peak["node"] == "relu"
    assert {t["tensor"] for t in peak["live"]} == {"x", "a", "b"}
