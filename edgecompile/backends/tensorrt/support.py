"""What TensorRT 10's ONNX parser takes: its op table (supported_ops.txt) plus the restrictions that
reject otherwise valid graphs (weights that are not constants, non-zero quantization zero points)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from edgecompile.backends.base import SupportReport, UnsupportedNode

WEIGHTED = {"Conv", "ConvTranspose"}  # the parser needs their weights as constants (an initializer or a DQ of one)
QDQ = {"QuantizeLinear", "DequantizeLinear"}


@lru_cache(maxsize=1)
def supported_ops() -> frozenset[str]:
    text = (Path(__file__).with_name("supported_ops.txt")).read_text()
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def check(model) -> SupportReport:
    from onnx import numpy_helper

    report = SupportReport("tensorrt")
    inits = {t.name: t for t in model.graph.initializer}
    producer = {o: n for n in model.graph.node for o in n.output}

    def constant(name: str) -> bool:
        node = producer.get(name)
        return name in inits or (node is not None and (node.op_type == "Constant" or (
            node.op_type == "DequantizeLinear" and node.input[0] in inits)))

    def bad(node, why):
        report.unsupported.append(UnsupportedNode(node.op_type, node.name or node.output[0], why))

    for node in model.graph.node:
        if node.domain not in ("", "ai.onnx") or node.op_type not in supported_ops():
            bad(node, f"TensorRT's ONNX parser has no importer for {node.domain or 'ai.onnx'}::{node.op_type}")
        elif node.op_type in WEIGHTED and not constant(node.input[1]):
            bad(node, f"{node.op_type} weights '{node.input[1]}' are computed at run time; TensorRT needs them constant")
        elif node.op_type in QDQ and len(node.input) > 2 and node.input[2] in inits:
            zp = numpy_helper.to_array(inits[node.input[2]])
            if zp.any():
                bad(node, f"{node.op_type} has a non-zero zero point ({zp.ravel()[0]}); TensorRT's explicit "
                          f"quantization is symmetric (zero point 0): rebuild int8 from the fp32 model with --calib")
    return report
