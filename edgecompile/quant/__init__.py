"""Calibration data, range tables and the QDQ graphs of each backend's INT8 flavor.

quant computes; it never drives a backend (the build driver does: edgecompile/int8_build.py).
For backends (CompileContext.ranges is a table.RangeTable when the build has an int8 target):

    from edgecompile.quant.qdq import quantize
    qdq_model = quantize(ctx.model, ctx.ranges, self.int8_flavor)  # onnx.ModelProto; keep_float from the guard

    ctx.ranges.ranges      {tensor name in the normalized graph: (lo, hi)} as measured
    ctx.ranges.keep_float  node names the accuracy guard keeps in float (quantize honours it)
    qdq.activation_params(lo, hi, flavor) -> (scale, zero_point, dtype)   the numbers a flavor writes

Modules: sources (calibration data), images/manifest (image folders, calibration/*.toml),
stats (one streaming ORT pass), methods (minmax/percentile/entropy/mse), table (RangeTable + cache),
qdq (flavor -> QDQ graph), guard (scores, bound, sensitivity), evaldata, report (per-layer SQNR).
"""
