"""The normalization pipeline: fixed order, each pass reports; the result is checked against the input."""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field

import numpy as np

from edgecompile.errors import ModelLoadError
from edgecompile.passes import PassContext, PassResult
from edgecompile.core.graph import seeded_inputs
from edgecompile.core.parity import within

PASSES = ("upgrade_opset", "fix_shapes", "remove_identity", "fold_weight_dequantize", "fold_batchnorm",
          "fold_constants", "check_and_infer")
SHAPE_ONLY = ("check_and_infer",)  # passes that only annotate shapes: nothing numeric to re-check
PARITY_ATOL = 1e-5  # normalized vs original graph; see verify.within for the scale rule


@dataclass
class Normalized:
    model: "onnx.ModelProto"  # noqa: F821
    passes: list[PassResult]
    notes: list[str] = field(default_factory=list)
    parity_max_abs_err: float = 0.0
    dynamic: "onnx.ModelProto | None" = None  # noqa: F821  (the same graph with a symbolic batch, when asked)


def _run(model_bytes: bytes, feeds):
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL  # compare the graphs as written
    sess = ort.InferenceSession(model_bytes, opts, providers=["CPUExecutionProvider"])
    return [sess.run(None, f) for f in feeds]


def normalize(model, input_shapes: dict | None = None, check: bool = True) -> Normalized:
    """Run every pass, then check the result against the original on seeded inputs."""
    from edgecompile.passes import sanity

    sanity.before(model)
    ctx = PassContext(input_shapes=dict(input_shapes or {}))
    original = model.SerializeToString()
    results = []
    for name in PASSES:
        module = importlib.import_module(f"edgecompile.passes.{name}")
        try:
            model, changed, detail = module.run(model, ctx)
        except Exception as e:
            if getattr(e, "exit_code", None):  # our own typed errors pass through
                raise
            raise ModelLoadError(f"Normalization pass '{name}' failed on this model: {str(e).splitlines()[0]}") from e
        results.append(PassResult(name, changed, detail))
    sanity.after(model)
    out = Normalized(model, results, ctx.notes)
    if check and any(r.changed for r in results if r.name not in SHAPE_ONLY):
        from edgecompile.frontends.onnx import parse

        fixed_original = parse(original, "original")  # shapes fixed the same way for feeding
        fixed_original, _, _ = importlib.import_module("edgecompile.passes.fix_shapes").run(
            fixed_original, PassContext(input_shapes=dict(input_shapes or {})))
        feeds = seeded_inputs(model)
        try:
            before = _run(fixed_original.SerializeToString(), feeds)
        except Exception as e:  # ORT cannot run the graph at all (custom ops): nothing to compare with
            out.notes.append(f"normalization not checked numerically: ONNX Runtime cannot run this graph "
                             f"({str(e).splitlines()[0][:160]})")
            return out
        after = _run(model.SerializeToString(), feeds)
        pairs = [(a.astype(np.float64), b.astype(np.float64)) for ra, rb in zip(before, after) for a, b in zip(ra, rb)]
        if not all(np.isfinite(a).all() for a, _ in pairs):
            bad = sanity.nonfinite_weights(model)
            why = f"its weights hold NaN or Inf ({', '.join(bad[:5])})" if bad else "it overflows or divides by zero"
            raise ModelLoadError(f"The model's outputs are not finite (NaN or Inf) on ordinary inputs: {why}. "
                                 f"A model with non-finite outputs cannot be verified or deployed.")
        with np.errstate(all="ignore"):
            err = max(float(np.max(np.abs(a - b), initial=0.0)) for a, b in pairs)
            mag = max(float(np.max(np.abs(a), initial=0.0)) for a, _ in pairs)
        if not within(err, mag, PARITY_ATOL):
            raise ModelLoadError(f"Normalization changed the model's outputs by {err:.3g} (> {PARITY_ATOL}); "
                                 f"passes that changed it: {[r.name for r in results if r.changed]}.")
        out.parity_max_abs_err = err
    return out
