"""Each normalization pass on its own: it reports a change exactly when it makes one, and keeps outputs."""
import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from edgecompile.errors import UsageError
from edgecompile.passes import PassContext
from edgecompile.passes import (fix_shapes, fold_batchnorm, fold_constants, fold_weight_dequantize, remove_identity,
                               upgrade_opset)
from edgecompile.core.graph import seeded_inputs
from edgecompile.passes.pipeline import normalize


def _outputs(model, feeds):
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return [sess.run(None, f) for f in feeds]


def _fixed(path):
    model = onnx.load(str(path))
    model, _, _ = fix_shapes.run(model, PassContext())
    return model


def _same(before, after, feeds, atol=1e-5):
    for a, b in zip(_outputs(before, feeds), _outputs(after, feeds)):
        for x, y in zip(a, b):
            np.testing.assert_allclose(x, y, atol=atol)


def test_fix_shapes_defaults_dynamic_dims_to_one(tiny_onnx):
    ctx = PassContext()
    model, changed, _ = fix_shapes.run(onnx.load(str(tiny_onnx)), ctx)
    assert changed and [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim] == [1, 1, 8, 8]
    assert any("dynamic dimensions set to 1" in n for n in ctx.notes)
    _, changed_again, _ = fix_shapes.run(model, PassContext())
    assert not changed_again


def test_fix_shapes_rejects_wrong_names_and_ranks(tiny_onnx):
    with pytest.raises(UsageError, match="inputs are"):
        fix_shapes.run(onnx.load(str(tiny_onnx)), PassContext({"nope": (1, 1, 8, 8)}))
    with pytest.raises(UsageError, match="rank"):
        fix_shapes.run(onnx.load(str(tiny_onnx)), PassContext({"x": (1, 8, 8)}))
    with pytest.raises(UsageError, match="conflicts"):
        fix_shapes.run(onnx.load(str(tiny_onnx)), PassContext({"x": (1, 2, 8, 8)}))


def test_remove_identity_and_dropout(tiny_onnx):
    before = _fixed(tiny_onnx)
    after, changed, detail = remove_identity.run(onnx.load_from_string(before.SerializeToString()), PassContext())
    assert changed and detail == "removed 2 nodes"
    assert not {"Identity", "Dropout"} & {n.op_type for n in after.graph.node}
    _same(before, after, seeded_inputs(before))


def test_fold_batchnorm(tiny_onnx):
    before = _fixed(tiny_onnx)
    after, changed, _ = fold_batchnorm.run(onnx.load_from_string(before.SerializeToString()), PassContext())
    assert changed and "BatchNormalization" not in {n.op_type for n in after.graph.node}
    _same(before, after, seeded_inputs(before))
    _, again, _ = fold_batchnorm.run(after, PassContext())
    assert not again


def test_fold_constants_removes_constant_subgraph():
    rng = np.random.default_rng(0)
    w = numpy_helper.from_array(rng.standard_normal((4, 4)).astype(np.float32), "w")
    two = numpy_helper.from_array(np.array(2.0, np.float32), "two")
    nodes = [helper.make_node("Mul", ["w", "two"], ["w2"]), helper.make_node("MatMul", ["x", "w2"], ["y"])]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])], [w, two])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    after, changed, _ = fold_constants.run(onnx.load_from_string(model.SerializeToString()), PassContext())
    assert changed and [n.op_type for n in after.graph.node] == ["MatMul"]
    _same(model, after, seeded_inputs(model))


def test_upgrade_opset(tmp_path):
    node = helper.make_node("Relu", ["x"], ["y"])
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 11)])
    after, changed, detail = upgrade_opset.run(model, PassContext())
    assert changed and detail == "opset 11 -> 13" and upgrade_opset.default_opset(after) == 13
    _, again, _ = upgrade_opset.run(after, PassContext())
    assert not again


def test_pipeline_reports_every_pass_and_keeps_outputs(tiny_onnx):
    norm = normalize(onnx.load(str(tiny_onnx)))
    names = [r.name for r in norm.passes]
    assert names == ["upgrade_opset", "fix_shapes", "remove_identity", "fold_weight_dequantize", "fold_batchnorm",
                     "fold_constants", "check_and_infer"]
    changed = {r.name for r in norm.passes if r.changed}
    assert {"fix_shapes", "remove_identity", "fold_batchnorm"} <= changed
    assert norm.parity_max_abs_err < 1e-4  # the pipeline itself enforces 1e-5 scaled by output magnitude
    ops = {n.op_type for n in norm.model.graph.node}
    assert not {"Identity", "Dropout", "BatchNormalization"} & ops


def _weight_only(with_activation_qdq: bool):
    rng = np.random.default_rng(0)
    w = numpy_helper.from_array(rng.integers(-127, 128, (4, 3)).astype(np.int8), "wq")
    scale = numpy_helper.from_array(np.array([0.1, 0.2, 0.3, 0.4], np.float32), "ws")
    zp = numpy_helper.from_array(np.zeros(4, np.int8), "wz")
    nodes = [helper.make_node("DequantizeLinear", ["wq", "ws", "wz"], ["w"], axis=0),
             helper.make_node("Gemm", ["x", "w"], ["y"], transB=1)]
    inits = [w, scale, zp]
    if with_activation_qdq:
        inits += [numpy_helper.from_array(np.array(0.05, np.float32), "xs"), numpy_helper.from_array(np.array(0, np.int8), "xz")]
        nodes = [helper.make_node("QuantizeLinear", ["x0", "xs", "xz"], ["xq"]),
                 helper.make_node("DequantizeLinear", ["xq", "xs", "xz"], ["x"])] + nodes
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x0" if with_activation_qdq else "x", TensorProto.FLOAT, [1, 3])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def test_fold_weight_dequantize_on_weight_only_graphs():
    model = _weight_only(False)
    after, changed, detail = fold_weight_dequantize.run(onnx.load_from_string(model.SerializeToString()), PassContext())
    assert changed and "1 int8 weight" in detail and [n.op_type for n in after.graph.node] == ["Gemm"]
    _same(model, after, seeded_inputs(model))


def test_fold_weight_dequantize_keeps_full_qdq_graphs():
    model = _weight_only(True)
    after, changed, _ = fold_weight_dequantize.run(model, PassContext())
    assert not changed and sum(n.op_type == "DequantizeLinear" for n in after.graph.node) == 2
