"""Small ONNX models for the serve tests: a CNN, one that fails at run time, one that is slow."""
from __future__ import annotations

from pathlib import Path

import numpy as np


def _save(nodes, inputs, outputs, inits, path: Path) -> Path:
    import onnx
    from onnx import helper

    graph = helper.make_graph(nodes, path.stem, inputs, outputs, inits)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), str(path))
    return path


def cnn(path: Path) -> Path:
    """Conv-Relu-Gemm on x[batch, 1, 8, 8] -> y[batch, 3]."""
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)
    inits = [numpy_helper.from_array(rng.standard_normal((4, 1, 3, 3)).astype(np.float32), "w"),
             numpy_helper.from_array(rng.standard_normal((3, 256)).astype(np.float32), "fc_w"),
             numpy_helper.from_array(np.array([0, -1], dtype=np.int64), "flat")]
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c"], ["r"]),
             helper.make_node("Reshape", ["r", "flat"], ["f"]),
             helper.make_node("Gemm", ["f", "fc_w"], ["y"], transB=1)]
    return _save(nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 1, 8, 8])],
                 [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 3])], inits, path)


def gather(path: Path) -> Path:
    """Rows of a 5x3 table picked by int64 indices[batch, 2]: an index >= 5 makes the runtime raise."""
    from onnx import TensorProto, helper, numpy_helper

    table = numpy_helper.from_array(np.arange(15, dtype=np.float32).reshape(5, 3), "table")
    nodes = [helper.make_node("Gather", ["table", "idx"], ["rows"], axis=0)]
    return _save(nodes, [helper.make_tensor_value_info("idx", TensorProto.INT64, ["batch", 2])],
                 [helper.make_tensor_value_info("rows", TensorProto.FLOAT, ["batch", 2, 3])], [table], path)


def slow(path: Path, layers: int = 960, width: int = 256) -> Path:
    """x[batch, 1, width] + a table -> `layers` x (MatMul, Tanh) on [batch, width, width] -> row means
    y[batch, width]: small requests and answers, and runs long enough to keep the batcher busy."""
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(1)
    w = (rng.standard_normal((width, width)) / np.sqrt(width)).astype(np.float32)
    table = rng.standard_normal((width, width)).astype(np.float32)
    nodes, prev = [helper.make_node("Add", ["x", "table"], ["h"])], "h"
    for i in range(layers):
        nodes += [helper.make_node("MatMul", [prev, "w"], [f"m{i}"]), helper.make_node("Tanh", [f"m{i}"], [f"t{i}"])]
        prev = f"t{i}"
    nodes.append(helper.make_node("ReduceMean", [prev], ["y"], axes=[2], keepdims=0))
    return _save(nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 1, width])],
                 [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", width])],
                 [numpy_helper.from_array(w, "w"), numpy_helper.from_array(table, "table")], path)
