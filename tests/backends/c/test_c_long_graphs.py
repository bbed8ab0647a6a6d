"""A very long graph compiles in parts (gcc's -O2 time grows faster than linearly in one function body)."""
import numpy as np

from conftest import need_backend


def test_long_chain_compiles_in_parts_and_matches(tmp_path):
    import onnx
    from onnx import TensorProto, helper

    from edgecompile.artifact import Artifact
    from edgecompile.backends.c.emit import CHUNK
    from edgecompile.driver import build

    need_backend("c")
    n = 2 * CHUNK + 7
    ops = ["Relu", "Neg", "Abs"]
    nodes = [helper.make_node(ops[i % 3], [f"t{i}"], [f"t{i + 1}"]) for i in range(n)]
    graph = helper.make_graph(nodes, "chain", [helper.make_tensor_value_info("t0", TensorProto.FLOAT, [1, 8])],
                              [helper.make_tensor_value_info(f"t{n}", TensorProto.FLOAT, [1, 8])])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(tmp_path / "chain.onnx"))
    r = build(str(tmp_path / "chain.onnx"), ["c"], ["fp32"], out=tmp_path / "out").results[0]
    assert r.ok, r.error
    art = Artifact.open(r.path)
    source = art.file("model.c").read_text()
    assert "model_part2(" in source and "model_part3(" not in source
    x = np.linspace(-2, 2, 8, dtype=np.float32).reshape(1, 8)
    y = x.copy()
    for i in range(n):
        y = {0: np.maximum(y, 0), 1: -y, 2: np.abs(y)}[i % 3]
    np.testing.assert_array_equal(next(iter(art.load().run({art.inputs[0].name: x}).values())), y)
