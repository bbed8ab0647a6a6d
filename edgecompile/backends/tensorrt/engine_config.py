"""engine_config.json: the exact settings build_engine.py hands TensorRT's builder on the device."""
from __future__ import annotations

from edgecompile.errors import UsageError

# Builder flags per precision. fp16: the graph is already float16 (what the ONNX Runtime stand-in checked)
# and FP16 lets TensorRT pick half kernels; int8: explicit quantization, the graph's Q/DQ decide which
# layers run in int8, layers left in float stay fp32 as in the stand-in.
FLAGS = {"fp32": [], "fp16": ["FP16"], "int8": ["INT8"]}
DEFAULTS = {"workspace_mb": 1024, "builder_optimization_level": 3, "min_batch": 1, "opt_batch": 1, "max_batch": 8}


def _int(options: dict, key: str, lo: int, hi: int | None = None) -> int:
    raw = options.get(key, DEFAULTS[key])
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise UsageError(f"tensorrt option {key}={raw!r}: expected an integer.") from None
    if value < lo or (hi is not None and value > hi):
        raise UsageError(f"tensorrt option {key}={value}: expected {lo}..{hi if hi is not None else 'any'}.")
    return value


def engine_config(precision: str, inputs, options: dict, onnx_file: str, engine: str, timing_cache: str) -> dict:
    """Validated settings; an optimization profile only when the graph has a dynamic batch dimension."""
    workspace = _int(options, "workspace_mb", 16)
    level = _int(options, "builder_optimization_level", 0, 5)
    cfg = {"onnx": onnx_file, "engine": engine, "timing_cache": timing_cache, "precision": precision,
           "flags": FLAGS[precision], "workspace_bytes": workspace << 20, "builder_optimization_level": level,
           "profile": None}
    if any(s.shape and s.shape[0] == -1 for s in inputs):
        lo, opt, hi = (_int(options, k, 1) for k in ("min_batch", "opt_batch", "max_batch"))
        if not lo <= opt <= hi:
            raise UsageError(f"tensorrt options: need min_batch <= opt_batch <= max_batch, got {lo}, {opt}, {hi}.")
        cfg["profile"] = {s.name: [[b, *s.shape[1:]] for b in (lo, opt, hi)] for s in inputs}
    return cfg
