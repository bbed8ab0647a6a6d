"""int8 bit-exactness with TFLite's reference kernels on the official MLPerf Tiny int8 models.

Reference: the LiteRT interpreter with the builtin *reference* op resolver (TensorFlow Lite
Micro's arithmetic). The .tflite file comes in through tf2onnx as a QDQ graph; the C backend
folds it back into integer kernels. 1,000 seeded random int8 inputs each, zero differing bytes.
"""
from __future__ import annotations

import numpy as np
import pytest

from conftest import mlperf_model, need, need_backend
from edgecompile.artifact import Artifact

SAMPLES = 1000


def reference(path, xs) -> np.ndarray:
    try:
        from ai_edge_litert.interpreter import Interpreter, OpResolverType
    except ImportError as e:
        need("tflite", False, f"ai-edge-litert is not installed ({e})")
    it = Interpreter(model_path=str(path), experimental_op_resolver_type=OpResolverType.BUILTIN_REF)
    it.allocate_tensors()
    i, o = it.get_input_details()[0], it.get_output_details()[0]
    out = []
    for x in xs:
        it.set_tensor(i["index"], x)
        it.invoke()
        out.append(it.get_tensor(o["index"]).copy())
    return np.stack(out)


@pytest.mark.parametrize("name,bound,arena", [("kws_ref_model.tflite", 16000, 9344),
                                              ("pretrainedResnet_quant.tflite", 49152, 32768)])
def test_bit_exact_with_tflite_reference(name, bound, arena, tmp_path):
    from edgecompile.driver import build

    need_backend("c")
    path = mlperf_model(name)
    r = build(str(path), ["c"], ["int8"], calib="random", out=tmp_path, force=True).results[0]
    assert r.ok, r.error
    art = Artifact.open(r.path)
    spec = art.inputs[0]
    assert spec.dtype == "int8" and spec.scale is not None  # the source model's own int8 input and scale: raw bytes in and out
    xs = np.random.default_rng(0).integers(-128, 128, size=(SAMPLES, *spec.shape), dtype=np.int8)
    ref = reference(path, xs)
    got = art.load().run_batch(list(xs)).reshape(ref.shape)
    assert int(np.count_nonzero(got != ref)) == 0
    # the memory goal: outputs written over their dying inputs put the arena below the whole-tensor liveness
    # bound (what packing whole tensors can reach at best; TFLite Micro needs more than that)
    d = art.manifest["backend_details"]
    assert d["whole_tensor_bound_bytes"] == bound
    assert d["arena_bytes"] <= arena < bound
    assert "overlap" in d["arena_strategy"] or "fused" in d["arena_strategy"]
