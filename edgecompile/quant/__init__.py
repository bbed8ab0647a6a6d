"""Calibration data, range tables and per-backend INT8 flavors.

For backends (CompileContext.ranges is a table.RangeTable when the build has an int8 target):

    from edgecompile.quant.qdq import quantize, FLAVORS      # "onnxruntime", "openvino", "tensorrt", "c"
    qdq_model = quantize(ctx.model, ctx.ranges, "openvino")  # onnx.ModelProto; keep_float from the guard

    ctx.ranges.ranges      {tensor name in the normalized graph: (lo, hi)} as measured
    ctx.ranges.keep_float  node names the accuracy guard keeps in float (quantize honours it)
    qdq.activation_params(lo, hi, flavor) -> (scale, zero_point, dtype)   the numbers a flavor writes

Modules: sources (calibration data), images/manifest (image folders, calibration/*.toml),
stats (one streaming ORT pass), methods (minmax/percentile/entropy/mse), table (RangeTable + cache),
qdq (flavors), guard/compile_int8 (accuracy guard inside `build`), evaldata, report (per-layer SQNR).
"""
