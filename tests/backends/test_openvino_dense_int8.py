"""OpenVINO int8 on dense-only graphs agrees with ONNX Runtime int8 built from the same range table.

Random MLPs (1-3 layers, widths 1-40, MatMul or Gemm with transB 0/1, with and without bias) are built
for openvino and onnxruntime int8 in one build (one calibration, one table) at a fixed batch of 1, 4 or
8, and both artifacts run the same inputs. The two flavors (u8 vs s8 activations) put every tensor on the
same grid, so their outputs agree to well under one output step (measured: relative 1e-6). OpenVINO
2026.4's fused MLP kernel returned garbage at batch 4 and 8 (cosine 0.02-0.3) before the fix; a dynamic
batch does not fuse, and is checked once for the runner's dynamic-shape path.
EDGECOMPILE_HYPOTHESIS=long draws more graphs."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import need_backend

settings.register_profile("ov-dense-ci", max_examples=5, deadline=None, derandomize=True, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ov-dense-long", max_examples=40, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
PROFILE = settings.get_profile("ov-dense-long" if os.environ.get("EDGECOMPILE_HYPOTHESIS") == "long" else "ov-dense-ci")


def _mlp(widths: list[int], op: str, bias: bool, trans_b: bool, seed: int):
    """x [N, widths[0]] -> dense layers with Relu between -> y [N, widths[-1]]."""
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(seed)
    nodes, inits, cur = [], [], "x"
    last = len(widths) - 2
    for i, (k, n) in enumerate(zip(widths, widths[1:])):
        w = rng.standard_normal((n, k) if op == "Gemm" and trans_b else (k, n)) / np.sqrt(k)
        inits.append(numpy_helper.from_array(w.astype(np.float32), f"w{i}"))
        out = "y" if i == last else f"h{i}"
        b = numpy_helper.from_array((rng.standard_normal(n) * 0.1).astype(np.float32), f"b{i}")
        if op == "Gemm":
            inits += [b] if bias else []
            nodes.append(helper.make_node("Gemm", [cur, f"w{i}"] + ([f"b{i}"] if bias else []), [out], name=f"fc{i}",
                                          transB=int(trans_b)))
        elif bias:
            inits.append(b)
            nodes += [helper.make_node("MatMul", [cur, f"w{i}"], [f"m{i}"], name=f"fc{i}"),
                      helper.make_node("Add", [f"m{i}", f"b{i}"], [out], name=f"bias{i}")]
        else:
            nodes.append(helper.make_node("MatMul", [cur, f"w{i}"], [out], name=f"fc{i}"))
        if i < last:
            nodes.append(helper.make_node("Relu", [out], [f"r{i}"], name=f"relu{i}"))
            cur = f"r{i}"
    graph = helper.make_graph(nodes, "mlp", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", widths[0]])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", widths[-1]])], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def _output_step(onnx_path: Path) -> float:
    """Scale of the DequantizeLinear that produces the graph output: one int8 step of y."""
    import onnx
    from onnx import numpy_helper

    m = onnx.load(str(onnx_path))
    inits = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
    dq = next(n for n in m.graph.node if n.op_type == "DequantizeLinear" and n.output[0] == "y")
    return float(inits[dq.input[1]])


@PROFILE
@given(widths=st.lists(st.integers(1, 40), min_size=2, max_size=4), op=st.sampled_from(["MatMul", "Gemm"]),
       bias=st.booleans(), trans_b=st.booleans(), batch=st.sampled_from([4, 1, 8]), seed=st.integers(0, 2**16))
@example(widths=[20, 32, 5], op="MatMul", bias=False, trans_b=False, batch=4, seed=0)  # the model
@example(widths=[24, 16, 8], op="MatMul", bias=True, trans_b=False, batch=4, seed=1)  # aborted compiling before
def test_openvino_int8_matches_onnxruntime_int8_on_dense_graphs(widths, op, bias, trans_b, batch, seed):
    _check(widths, op, bias, trans_b, seed, [batch], {"x": [batch, widths[0]]}, {})


def test_dynamic_batch_runs_any_batch():
    """A dynamic input's buffer has no size until a shape is set (the runner once failed on it)."""
    _check([20, 32, 5], "Gemm", True, True, 0, [4, 1, 3], None, {"batch": "dynamic"})


def _check(widths, op, bias, trans_b, seed, batches, input_shapes, options):
    import onnx

    import edgecompile
    from conftest import built_artifacts

    need_backend("openvino")
    need_backend("onnxruntime")
    rng = np.random.default_rng(seed)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        onnx.save(_mlp(widths, op, bias, trans_b, seed), str(tmp / "mlp.onnx"))
        # 128 rows: at least the 16 samples calibration wants at batch 8
        np.save(tmp / "calib.npy", rng.standard_normal((128, widths[0])).astype(np.float32))
        ov_art, ort_art = built_artifacts(tmp / "mlp.onnx", tmp / "out", ["openvino", "onnxruntime"], ["int8"],
                                          calib=str(tmp / "calib.npy"), input_shapes=input_shapes, options=options)
        step = _output_step(ort_art.file("model.onnx"))
        ov, ort = edgecompile.load(ov_art.path), edgecompile.load(ort_art.path)
        for batch in batches:
            feeds = {"x": rng.standard_normal((batch, widths[0])).astype(np.float32)}
            got, want = ov.run(feeds)["y"], ort.run(feeds)["y"]
            assert got.shape == want.shape == (batch, widths[-1])
            assert np.abs(got - want).max() <= step, (batch, np.abs(got - want).max(), step)
