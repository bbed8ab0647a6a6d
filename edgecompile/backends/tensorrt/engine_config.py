"""engine_config.json: the exact settings build_engine.py hands TensorRT's builder on the device."""
from __future__ import annotations

from edgecompile.errors import UsageError

# Builder flags per precision. fp16: the graph is already float16 (what the ONNX Runtime stand-in checked)
# and FP16 lets TensorRT pick half kernels; int8: explicit quantization, the graph's Q/DQ decide which
# layers run in int8, layers left in float stay fp32 as in the stand-in.
FLAGS = {"fp32": [], "fp16": ["FP16"], "int8": ["INT8"]}
MAX_OPT_LEVEL = 5


def engine_config(precision: str, inputs, options: dict, onnx_file: str, engine: str, timing_cache: str) -> dict:
    """Settings from the (declared, typed) options; an optimization profile only for a dynamic batch."""
    level = options.get("builder_optimization_level", 3)
    if level > MAX_OPT_LEVEL:
        raise UsageError(f"tensorrt option builder_optimization_level={level}: TensorRT takes 0..{MAX_OPT_LEVEL}.")
    cfg = {"onnx": onnx_file, "engine": engine, "timing_cache": timing_cache, "precision": precision,
           "flags": FLAGS[precision], "workspace_bytes": options.get("workspace_mb", 1024) << 20,
           "builder_optimization_level": level, "profile": None}
    if any(s.shape and s.shape[0] == -1 for s in inputs):
        lo, opt, hi = (options.get(k, d) for k, d in (("min_batch", 1), ("opt_batch", 1), ("max_batch", 8)))
        if not lo <= opt <= hi:
            raise UsageError(f"tensorrt options: need min_batch <= opt_batch <= max_batch, got {lo}, {opt}, {hi}.")
        cfg["profile"] = {s.name: [[b, *s.shape[1:]] for b in (lo, opt, hi)] for s in inputs}
    return cfg
