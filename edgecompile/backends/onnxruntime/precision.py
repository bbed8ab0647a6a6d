"""fp32 / fp16 / int8 variants of the normalized graph for ONNX Runtime."""
from __future__ import annotations

from pathlib import Path


def as_fp32(ctx):
    return ctx.model


def as_fp16(ctx):
    """Weights and activations in float16; inputs and outputs stay float32 for callers."""
    from onnxruntime.transformers.float16 import convert_float_to_float16

    return convert_float_to_float16(ctx.model, keep_io_types=True, disable_shape_infer=False)


def as_int8(ctx):
    """QDQ from the build's range table (edgecompile.quant): s8 activations, per-channel s8 weights."""
    from edgecompile.core.flavor import S8
    from edgecompile.quant.qdq import is_quantized, quantize
    from edgecompile.quant.sources import data_sha256
    from edgecompile.quant.table import calibrate

    if is_quantized(ctx.model):  # already int8: keep its own scales
        return ctx.model
    table = ctx.ranges
    if table is None:  # called outside `build`: calibrate here, through the same cache
        table, _ = calibrate(ctx.model, ctx.calib, data_sha256(ctx.calib), ctx.calib_method)
    return quantize(ctx.model, table, S8)  # the flavor OnnxRuntimeBackend declares


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
