"""--batch dynamic: the batch-1 normalized graph re-opened and checked on a stacked batch."""
from __future__ import annotations

import numpy as np
import pytest


def _graph(reshape_to):
    from onnx import TensorProto, helper, numpy_helper

    w = numpy_helper.from_array(np.random.default_rng(0).standard_normal((4, 12)).astype(np.float32), "w")
    shape = numpy_helper.from_array(np.array(reshape_to, np.int64), "shape")
    graph = helper.make_graph(
        [helper.make_node("Reshape", ["x", "shape"], ["f"], name="flat"),
         helper.make_node("MatMul", ["f", "w"], ["y"], name="mm")],
        "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 2, 2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3, 12])], [w, shape])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def test_batch_dimension_reopened_and_checked():
    import onnxruntime as ort

    from edgecompile.passes.dynamic_batch import batch_is_dynamic, make_batch_dynamic

    fixed = _graph([1, 3, 4])
    dynamic = make_batch_dynamic(fixed)
    assert not batch_is_dynamic(fixed) and batch_is_dynamic(dynamic)
    x = np.random.default_rng(1).standard_normal((6, 3, 2, 2)).astype(np.float32)
    sess = ort.InferenceSession(dynamic.SerializeToString(), providers=["CPUExecutionProvider"])
    assert sess.run(None, {"x": x})[0].shape == (6, 3, 12)


def test_a_model_that_mixes_the_batch_axis_is_refused():
    from edgecompile.errors import UsageError
    from edgecompile.passes.dynamic_batch import make_batch_dynamic

    from onnx import TensorProto, helper, numpy_helper

    shapes = [numpy_helper.from_array(np.array(s, np.int64), n) for s, n in (([2, 6], "rows"), ([1, 12], "back"))]
    graph = helper.make_graph(  # folds the batch into 2 rows and back: only a batch of 1 fits
        [helper.make_node("Reshape", ["x", "rows"], ["r"], name="rows"),
         helper.make_node("Reshape", ["r", "back"], ["y"], name="back")],
        "mix", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 2, 2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 12])], shapes)
    with pytest.raises(UsageError, match="build it with a fixed batch"):
        make_batch_dynamic(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]))


def test_only_backends_that_declare_it_take_it(tiny_onnx, tmp_path):
    from edgecompile.driver import build
    from edgecompile.errors import UsageError

    with pytest.raises(UsageError, match="unknown option 'batch'"):
        build(str(tiny_onnx), ["c"], ["fp32"], out=tmp_path, options={"batch": "dynamic"})
    report = build(str(tiny_onnx), ["c", "onnxruntime"], ["fp32"], out=tmp_path, options={"batch": "dynamic"})
    shapes = {r.target: r.path and __import__("json").loads((r.path / "manifest.json").read_text())["inputs"][0]["shape"]
              for r in report.results}
    assert shapes == {"c": [1, 1, 8, 8], "onnxruntime": [-1, 1, 8, 8]}  # c builds fixed shapes
