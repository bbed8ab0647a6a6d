"""fp32 / fp16 / int8 variants of the normalized graph for ONNX Runtime."""
from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np


def as_fp32(ctx):
    return ctx.model


def as_fp16(ctx):
    """Weights and activations in float16; inputs and outputs stay float32 for callers."""
    from onnxruntime.transformers.float16 import convert_float_to_float16

    return convert_float_to_float16(ctx.model, keep_io_types=True, disable_shape_infer=False)


class _Reader:
    """ORT CalibrationDataReader over edgecompile's list of feeds."""

    def __init__(self, feeds):
        self._it = iter(feeds)

    def get_next(self):
        feed = next(self._it, None)
        return None if feed is None else {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in feed.items()}


def as_int8(ctx):
    """Static QDQ: s8 activations (MinMax), per-channel symmetric s8 weights."""
    import onnx
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static

    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / "fp32.onnx", Path(tmp) / "int8.onnx"
        onnx.save(ctx.model, str(src))
        quantize_static(
            str(src), str(dst), _Reader(ctx.calib),
            quant_format=QuantFormat.QDQ,
            activation_type=QuantType.QInt8,
            weight_type=QuantType.QInt8,
            per_channel=True,
            calibrate_method=CalibrationMethod.MinMax,
            extra_options={"ActivationSymmetric": False, "WeightSymmetric": True},
        )
        return onnx.load(str(dst))


def optimize_offline(model, out: Path) -> None:
    """Save ORT's EXTENDED-level optimized graph: portable across x86/Arm CPUs (no NCHWc layouts)."""
    import onnx
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    opts.optimized_model_filepath = str(out)
    ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])
    # ORT writes a producer string and may reorder nothing else; normalize it for stable bytes
    saved = onnx.load(str(out))
    saved.producer_name, saved.producer_version = "edgecompile", ""
    onnx.save(saved, str(out))
