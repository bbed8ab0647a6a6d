"""Checks on a model before and after the passes that turn hostile or degenerate graphs into one clear
error: no outputs, an opset newer than this onnx, inputs too large to allocate, nothing to compute,
weights that are not finite."""
from __future__ import annotations

import numpy as np

from edgecompile.errors import ModelLoadError
from edgecompile.limits import over


def before(model, label: str = "The model") -> None:
    import onnx

    if not model.graph.output:
        raise ModelLoadError(f"{label} declares no outputs: there is nothing to compile.")
    newest = onnx.defs.onnx_opset_version()
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 0)
    if opset > newest:
        raise ModelLoadError(f"{label} uses ONNX opset {opset}; this installation knows opsets up to {newest}. "
                             f"Export it with an opset from 13 to {newest}.")


def after(model, label: str = "The model") -> None:
    """On the normalized graph: inputs with fixed shapes that fit the size limit, something computed."""
    from onnx import helper

    inits = {t.name for t in model.graph.initializer}
    inputs = [vi for vi in model.graph.input if vi.name not in inits]
    for vi in inputs:
        tt = vi.type.tensor_type
        dims = [d.dim_value for d in tt.shape.dim]
        try:
            dtype = np.dtype(helper.tensor_dtype_to_np_dtype(tt.elem_type))
        except (KeyError, TypeError, ValueError):
            dtype = np.dtype(object)
        if dtype.kind not in "biuf" or not vi.type.HasField("tensor_type"):
            raise ModelLoadError(f"{label}: input '{vi.name}' is not a numeric tensor ({dtype}); edgecompile "
                                 f"compiles models whose inputs are numeric tensors.")
        itemsize = dtype.itemsize
        why = over(int(np.prod(dims, dtype=object)) * itemsize, f"{label}'s input '{vi.name}' of shape {dims}")
        if why:
            raise ModelLoadError(why)
    bad = nonfinite_weights(model)
    if bad:
        raise ModelLoadError(f"{label}'s weights are not finite: NaN or Inf in {', '.join(bad[:5])}. Its outputs "
                             f"cannot be verified or trusted; check the training run or the export.")
    if not model.graph.node or not inputs:
        raise ModelLoadError(f"{label} computes nothing from its inputs (after constant folding its outputs are "
                             f"constants or it has no inputs): there is no network to compile.")


def nonfinite_weights(model) -> list[str]:
    """Names of float initializers holding NaN or Inf."""
    from onnx import numpy_helper

    bad = []
    for t in model.graph.initializer:
        a = numpy_helper.to_array(t)
        if a.dtype.kind == "f" and not np.isfinite(a).all():
            bad.append(t.name)
    return bad
