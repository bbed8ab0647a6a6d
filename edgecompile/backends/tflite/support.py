"""Which ONNX nodes onnx2tf cannot take: it converts node by node with one module per op type
(onnx2tf/ops/<OpType>.py), so that folder is its support table. Read without importing TensorFlow."""
from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

from edgecompile.backends.base import SupportReport, UnsupportedNode


@lru_cache(maxsize=1)
def onnx2tf_ops() -> frozenset[str]:
    spec = importlib.util.find_spec("onnx2tf")
    if spec is None or not spec.submodule_search_locations:
        return frozenset()
    folder = Path(next(iter(spec.submodule_search_locations))) / "ops"
    return frozenset(p.stem for p in folder.glob("*.py") if not p.stem.startswith("_"))


def check(model, backend: str = "tflite") -> SupportReport:
    ops = onnx2tf_ops()
    report = SupportReport(backend)
    for node in model.graph.node:
        name = node.name or "<unnamed>"
        if node.domain not in ("", "ai.onnx"):
            report.unsupported.append(UnsupportedNode(
                node.op_type, name, f"onnx2tf converts standard ONNX ops only, not {node.domain}::{node.op_type}"))
        elif node.op_type not in ops:
            report.unsupported.append(UnsupportedNode(
                node.op_type, name, f"onnx2tf has no converter for {node.op_type}"))
    for vi in model.graph.input:
        dims = vi.type.tensor_type.shape.dim
        if dims and not dims[0].dim_value:
            report.unsupported.append(UnsupportedNode(
                "<input>", vi.name, "onnx2tf needs a fixed batch dimension (pass --input-shape)"))
    return report
