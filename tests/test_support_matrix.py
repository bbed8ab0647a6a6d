"""`inspect`'s support matrix: every backend names the exact node it cannot take."""
import pytest
from onnx import TensorProto, helper

from conftest import need_backend
from edgecompile.backends import implemented
from edgecompile.inspection import support_matrix


@pytest.mark.parametrize("backend", implemented())
def test_support_matrix_names_the_node(backend):
    need_backend(backend)
    nodes = [helper.make_node("Relu", ["x"], ["a"], name="r1"),
             helper.make_node("Foo", ["a"], ["y"], name="custom_foo", domain="com.example")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid("com.example", 1)])
    row = support_matrix(model)[backend]
    assert row["available"] and not row["supported"]
    assert [u["node_name"] for u in row["unsupported"]] == ["custom_foo"]
