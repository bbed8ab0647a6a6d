"""ONNX checker plus shape inference: every later pass may rely on value_info shapes."""
from __future__ import annotations


def run(model, ctx):
    import onnx

    onnx.checker.check_model(model)
    before = len(model.graph.value_info)
    inferred = onnx.shape_inference.infer_shapes(model, check_type=True, data_prop=True)
    added = len(inferred.graph.value_info) - before
    return inferred, added > 0, f"{added} tensor shapes inferred" if added else ""
