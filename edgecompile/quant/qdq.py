"""Range table -> QDQ ONNX, in each backend's INT8 flavor.

    from edgecompile.quant.qdq import quantize
    qmodel = quantize(ctx.model, ctx.ranges, "openvino")      # honours ctx.ranges.keep_float

Every flavor quantizes weights per output channel, symmetric int8 (zero point 0), and biases to
int32 with scale = input_scale * weight_scale (TFLite's rule). Flavors differ only in activations:

  onnxruntime  s8, asymmetric: scale = (hi - lo) / 255, zero point in [-128, 127]
  openvino     u8, asymmetric: the same scale, zero point + 128 (its CPU plugin refuses s8 activations)
  tensorrt     s8, symmetric: scale = max(|lo|, |hi|) / 127, zero point 0 (explicit quantization)
  c            the onnxruntime numbers (TFLite-compatible requantization in the generated C)

The QDQ insertion is ONNX Runtime's QDQQuantizer, fed our ranges instead of its own calibrator.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from edgecompile.errors import UsageError


@dataclass(frozen=True)
class Flavor:
    activations: str  # "s8" or "u8"
    symmetric: bool  # symmetric activations, zero point 0


FLAVORS = {
    "onnxruntime": Flavor("s8", False),
    "openvino": Flavor("u8", False),
    "tensorrt": Flavor("s8", True),
    "c": Flavor("s8", False),
}


def flavor_for_backend(backend: str) -> str:
    """The flavor a backend's artifact was built with (unknown backends: the onnxruntime numbers)."""
    return backend if backend in FLAVORS else "onnxruntime"


def activation_params(lo: float, hi: float, flavor: str) -> tuple[float, int, str]:
    """(scale, zero point, dtype) for one activation range: the numbers `quantize` writes."""
    f = FLAVORS[flavor]
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    if f.symmetric:
        m = max(abs(lo), abs(hi))
        return (np.float32(m / 127) if m > 0 else np.float32(1.0)), 0, "int8"
    scale = np.float32((hi - lo) / 255) if hi > lo else np.float32(1.0)
    qmin = -128 if f.activations == "s8" else 0
    zp = int(np.clip(np.round(qmin - lo / scale), qmin, qmin + 255))
    return scale, zp, "int8" if f.activations == "s8" else "uint8"


def quantize(model, table, flavor: str, keep_float=None, op_types=None):
    """A QDQ copy of the fp32 `model` using `table`'s ranges; nodes in keep_float stay float.

    keep_float defaults to table.keep_float (what the accuracy guard chose)."""
    from onnxruntime.quantization import QuantType
    from onnxruntime.quantization.calibrate import CalibrationMethod, TensorData, TensorsData
    from onnxruntime.quantization.qdq_quantizer import QDQQuantizer
    from onnxruntime.quantization.quant_utils import save_and_reload_model_with_shape_infer
    from onnxruntime.quantization.registry import QDQRegistry, QLinearOpsRegistry

    if flavor not in FLAVORS:
        raise UsageError(f"Unknown INT8 flavor '{flavor}'. Choose from {', '.join(FLAVORS)}.")
    f = FLAVORS[flavor]
    keep = set(table.keep_float if keep_float is None else keep_float)
    ranges = {n: TensorData(lowest=np.float32(min(lo, 0.0)), highest=np.float32(max(hi, 0.0)))
              for n, (lo, hi) in table.ranges.items()}
    prepared = save_and_reload_model_with_shape_infer(model)
    quantizer = QDQQuantizer(
        prepared,
        True,  # per_channel
        False,  # reduce_range
        QuantType.QInt8,  # weights
        QuantType.QInt8 if f.activations == "s8" else QuantType.QUInt8,
        TensorsData(CalibrationMethod.MinMax, ranges),
        [],  # nodes_to_quantize: all
        sorted(keep),  # nodes_to_exclude
        list(op_types or set(QLinearOpsRegistry) | set(QDQRegistry)),
        {"ActivationSymmetric": f.symmetric, "WeightSymmetric": True},
    )
    quantizer.quantize_model()
    out = quantizer.model.model
    out.producer_name, out.producer_version = "edgecompile", ""
    return out


def quantizable_nodes(model) -> list[str]:
    """Names of the nodes with weights the guard may keep in float (Conv, Gemm, MatMul, ...)."""
    inits = {t.name for t in model.graph.initializer}
    heavy = {"Conv", "ConvTranspose", "Gemm", "MatMul", "Attention", "LSTM", "GRU"}
    return [n.name for n in model.graph.node if n.op_type in heavy and any(i in inits for i in n.input)]


def activation_qparams(qmodel) -> dict[str, tuple[float, int, str]]:
    """tensor -> (scale, zero point, dtype) of every QuantizeLinear on an activation in a QDQ model."""
    from onnx import numpy_helper

    inits = {t.name: numpy_helper.to_array(t) for t in qmodel.graph.initializer}
    out = {}
    for node in qmodel.graph.node:
        if node.op_type == "QuantizeLinear" and node.input[0] not in inits:
            scale = inits[node.input[1]]
            zp = inits[node.input[2]] if len(node.input) > 2 else np.zeros((), np.uint8)
            out[node.input[0]] = (float(scale), int(zp), str(zp.dtype))
    return out
