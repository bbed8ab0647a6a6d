"""int8 builds of the FLOAT MLPerf Tiny models (ResNet-8, DS-CNN KWS), quantized by edgecompile.

The .tflite files come in through tf2onnx (NHWC input, a Transpose to NCHW before the first Conv;
ResNet-8 has residual Adds). The c flavor's QDQ graph (the backend's own `graph_for`, the graph it
compiles) runs in ONNX Runtime next to the C code, 100 seeded inputs each. ORT simulates QDQ in
float: it requantizes with a float multiply and rounds half to even; the C code uses TFLite's
fixed-point multiplier and rounds half away from zero, so a value on a rounding boundary may land
one step off. Every kernel must be bit-exact or within that one step, given the same int8 input.
"""
from __future__ import annotations

import numpy as np
import pytest

from conftest import need_backend
from edgecompile.artifact import Artifact

SAMPLES = 100


def _qdq_graph(onnx_path, tmp_path):
    """The normalized model, quantized exactly as `edgecompile build -t c -p int8 --calib random` does."""
    import onnx

    from edgecompile.backends.base import CompileContext
    from edgecompile.backends.c.backend import CBackend
    from edgecompile.backends.c.lower import topological
    from edgecompile.core.graph import io_specs
    from edgecompile.passes.pipeline import normalize
    from edgecompile.quant.sources import data_sha256, load_samples
    from edgecompile.quant.table import calibrate
    from edgecompile.targets import resolve

    norm = normalize(onnx.load(str(onnx_path)), None).model
    feeds, info = load_samples("random", io_specs(norm)[0], None)
    table, _ = calibrate(norm, feeds, info.get("sha256") or data_sha256(feeds), "minmax")
    qdq = CBackend().graph_for(CompileContext(norm, resolve("c"), "int8", tmp_path, feeds, table))
    nodes = topological(qdq)  # ORT's quantizer appends its Q/DQ nodes; ONNX files must be sorted
    del qdq.graph.node[:]
    qdq.graph.node.extend(nodes)
    return qdq


def _taps(qdq) -> list[str]:
    """QuantizeLinear outputs that an integer kernel produces (not the input's, not those after a pure
    layout op: those are the same bytes as their source)."""
    inits = {t.name for t in qdq.graph.initializer}
    prod = {o: n for n in qdq.graph.node for o in n.output}
    return [n.output[0] for n in qdq.graph.node
            if n.op_type == "QuantizeLinear" and n.input[0] not in inits and n.input[0] in prod
            and prod[n.input[0]].op_type not in ("Transpose", "Reshape", "Flatten", "Squeeze", "Unsqueeze")]


def _with_outputs(qdq, names):
    import onnx

    m = onnx.ModelProto()
    m.CopyFrom(qdq)
    info = {v.name: v for v in onnx.shape_inference.infer_shapes(m).graph.value_info}
    del m.graph.output[:]
    m.graph.output.extend(info[n] for n in names)
    return m


def _cut(model, names):
    """Every DequantizeLinear of a tapped tensor reads a new graph input `<name>_c` instead: ONNX Runtime
    then computes each kernel's output from the C code's own int8 input (no error carried over)."""
    import onnx

    m = onnx.ModelProto()
    m.CopyFrom(model)
    out_info = {o.name: o for o in m.graph.output}
    for n in m.graph.node:
        if n.op_type == "DequantizeLinear" and n.input[0] in out_info:
            n.input[0] = n.input[0] + "_c"
    for name in names:
        vi = onnx.ValueInfoProto()
        vi.CopyFrom(out_info[name])
        vi.name = name + "_c"
        m.graph.input.append(vi)
    return m


@pytest.mark.parametrize("name", ["pretrainedResnet.tflite", "kws_ref_model_float32.tflite"])
def test_int8_kernels_within_one_lsb_of_onnxruntime_qdq(name, mlperf_onnx, tmp_path):
    """Every integer kernel (Conv, depthwise Conv, residual Add, Relu, AveragePool, Gemm, Softmax) of the
    c int8 build, fed the same int8 input, against ONNX Runtime on the same QDQ graph (optimizations off:
    float simulation). End to end the one-step differences compound through the layers (ResNet-8: up to
    9 steps after the third residual block), so the bound is checked per kernel."""
    import onnx
    import onnxruntime as ort

    from edgecompile.driver import build

    need_backend("c")
    qdq = _qdq_graph(mlperf_onnx(name), tmp_path)
    taps = _taps(qdq)
    tapped = _with_outputs(qdq, taps)
    onnx.save(tapped, str(tmp_path / "tapped.onnx"))
    r = build(str(tmp_path / "tapped.onnx"), ["c"], ["int8"], calib="random", out=tmp_path / "out", force=True,
              verify=False).results[0]
    assert r.ok, r.error
    art = Artifact.open(r.path)
    spec_in = art.inputs[0]
    assert spec_in.dtype == "int8" and spec_in.scale is not None  # float model: the caller quantizes the input
    in_name = qdq.graph.input[0].name
    shape = [d.dim_value for d in qdq.graph.input[0].type.tensor_type.shape.dim]
    xs = np.random.default_rng(3).standard_normal((SAMPLES, *shape)).astype(np.float32)
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL  # no QLinear* fusion: float QDQ
    sess = ort.InferenceSession(_cut(tapped, taps).SerializeToString(), so, providers=["CPUExecutionProvider"])
    runner = art.load()
    worst, differ, total = {}, 0, 0
    for x in xs:
        q = np.clip(np.round(x / spec_in.scale) + spec_in.zero_point, -128, 127).astype(np.int8)
        got = runner.run({in_name: q})
        ref = sess.run(taps, {in_name: x, **{t + "_c": got[t].reshape(o.shape) for t, o in zip(taps, sess.get_outputs())}})
        for t, want in zip(taps, ref):
            d = np.abs(got[t].astype(int).reshape(want.shape) - want.astype(int))
            worst[t] = max(worst.get(t, 0), int(d.max()))
            differ, total = differ + int(np.count_nonzero(d)), total + d.size
    print(f"{name}: {len(taps)} kernels, {differ} of {total} int8 outputs one step off, worst {max(worst.values())}")
    assert max(worst.values()) <= 1, {t: w for t, w in worst.items() if w > 1}
