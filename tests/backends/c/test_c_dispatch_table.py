"""The op-table run function (dispatch.py) computes exactly what the straight-line calls compute: random graphs
(test_c_random_graphs' drawing), fp32 and int8, built both ways for this machine, give bit-identical outputs;
the table form also builds warning-free for a Cortex-M with the DSP kernels; a long chain takes it by itself.
CI share: about 30-60 s (a dozen drawn graphs and a patched MobileNet-like model, two gcc calls each; one
6000-node build of two targets)."""
from __future__ import annotations

import numpy as np
from hypothesis import given

from conftest import need_backend, need_tool

from backends.c.c_harness import CModel, qdq_wrap
from backends.c.test_c_patch import mbv2_int8  # noqa: F401  (a fixture)
from backends.c.test_c_random_graphs import PROFILE, graphs


def _both(model, feeds, folder):
    calls = CModel(model, folder / "calls", {"dispatch": "calls"})
    table = CModel(model, folder / "table", {"dispatch": "table"})
    assert calls.stats["dispatch"] == "calls" and table.stats["dispatch"] == "table"
    assert "_step_case" in (folder / "table" / "model.c").read_text()
    for a, b in zip(calls.run(feeds), table.run(feeds)):
        assert a.dtype == b.dtype and a.tobytes() == b.tobytes()


def test_table_matches_calls_bit_for_bit_fp32(tmp_path_factory):
    need_backend("c")

    @PROFILE
    @given(drawn=graphs())
    def prop(drawn):
        model, feeds, flavour = drawn
        _both(model, feeds, tmp_path_factory.mktemp(flavour))

    prop()


def test_table_matches_calls_bit_for_bit_int8(tmp_path_factory):
    need_backend("c")

    @PROFILE
    @given(drawn=graphs())
    def prop(drawn):
        model, feeds, flavour = drawn
        rng = np.random.default_rng(0)
        calib = [feeds] + [{"x": rng.standard_normal(feeds["x"].shape).astype(np.float32)} for _ in range(3)]
        _both(qdq_wrap(model, calib), feeds, tmp_path_factory.mktemp(flavour))

    prop()


def test_table_matches_calls_on_a_patched_model(mbv2_int8, tmp_path):  # noqa: F811
    """Patch-based stages (a loop over tiles, each tile's ops inside) in the table form too."""
    from edgecompile.backends.c.backend import _plan

    need_backend("c")
    qdq, feeds = mbv2_int8
    runs = [CModel(qdq, tmp_path / mode, {"dispatch": mode}, rewrite=lambda g: _plan(g, {"patch": "smallest"}))
            for mode in ("calls", "table")]
    assert runs[0].plan.patch and runs[1].stats["dispatch"] == "table"
    for f in feeds:
        assert [a.tobytes() for a in runs[0].run(f)] == [b.tobytes() for b in runs[1].run(f)]


def _conv_chain():
    """int8 convs the DSP kernels take (their code and constants sit under #if in the table's cases)."""
    from backends.c import op_models
    from onnx import helper

    rng = np.random.default_rng(1)
    nodes, inits, x = [], {}, "x"
    for i, (ic, oc, k, g) in enumerate([(3, 8, 3, 1), (8, 8, 3, 8), (8, 16, 1, 1), (16, 16, 3, 1)]):
        inits[f"w{i}"] = (rng.standard_normal((oc, ic // g, k, k)) * 0.3).astype(np.float32)
        inits[f"b{i}"] = (rng.standard_normal(oc) * 0.1).astype(np.float32)
        nodes.append(helper.make_node("Conv", [x, f"w{i}", f"b{i}"], [f"c{i}"], f"conv{i}", group=g, kernel_shape=[k, k],
                                      pads=[k // 2] * 4))
        nodes.append(helper.make_node("Relu", [f"c{i}"], [f"r{i}"], f"relu{i}"))
        x = f"r{i}"
    model = op_models.model(nodes, {"x": (1, 3, 8, 8)}, [x], inits)
    return model, [{"x": rng.standard_normal((1, 3, 8, 8)).astype(np.float32)} for _ in range(4)]


def test_table_with_dsp_kernels_builds_for_cortex_m(tmp_path):
    from edgecompile.backends.c import emit, lower, planner
    from edgecompile.backends.c.size import object_size

    cc = need_tool("arm-none-eabi-gcc")
    model, calib = _conv_chain()
    g, _ = lower.lower(qdq_wrap(model, calib))
    header, source, stats = emit.generate(g, planner.plan(g), "model", "test", {}, {"simd": True, "dispatch": "table"})
    assert stats["dispatch"] == "table" and "#if" in source.split("int model_run(")[1]
    (tmp_path / "model.h").write_text(header)
    (tmp_path / "model.c").write_text(source)
    size = object_size(cc, tmp_path, ["-mcpu=cortex-m4", "-mthumb", "-O2"])  # STRICT flags: -Werror
    assert size is None or size["text"] > 0


def test_long_chain_builds_table_driven_and_verifies(tmp_path):
    """A 6000-node chain that no pass folds (element-wise ops alternating, each constant its own) builds for
    c and onnxruntime in one run: the C artifact in table form, both verified against the reference."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    from edgecompile.artifact import Artifact
    from edgecompile.backends.c.emit import TABLE_FROM
    from edgecompile.driver import build

    need_backend("c")
    n, rng = 6000, np.random.default_rng(0)  # past fold_constants.SLIM_MAX_NODES: the linear passes
    ops, nodes, inits = ["Add", "Relu", "Mul", "Sigmoid", "Sub", "Tanh"], [], []
    for i in range(n):
        op, ins = ops[i % 6], [f"t{i}"]
        if op in ("Add", "Mul", "Sub"):
            inits.append(numpy_helper.from_array(rng.uniform(0.5, 1.5, 4).astype(np.float32), f"c{i}"))
            ins.append(f"c{i}")
        nodes.append(helper.make_node(op, ins, [f"t{i + 1}"]))
    graph = helper.make_graph(nodes, "chain", [helper.make_tensor_value_info("t0", TensorProto.FLOAT, [1, 4])],
                              [helper.make_tensor_value_info(f"t{n}", TensorProto.FLOAT, [1, 4])], inits)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(tmp_path / "chain.onnx"))
    report = build(str(tmp_path / "chain.onnx"), ["c", "onnxruntime"], ["fp32"], out=tmp_path / "out")
    assert [r.ok for r in report.results] == [True, True], [r.error for r in report.results]
    c = Artifact.open(report.results[0].path)
    assert n > TABLE_FROM and c.manifest["backend_details"]["dispatch"] == "table"
    assert c.manifest["parity"]["passed"] and c.manifest["parity"]["samples"] > 0
    assert c.file("model.c").read_text().count("model_unary_f32_sigmoid(") == 1  # one case, not one call per node
    assert Artifact.open(report.results[1].path).manifest["parity"]["passed"]
