"""The portable part's check: ONNX Runtime runs model.onnx (the graph TensorRT will parse) against
ONNX Runtime on the fp32 graph, with the precision's tolerance. The engine itself is checked by
device-build on the GPU; until then `load` refuses, so nothing measures the stand-in as TensorRT."""
from __future__ import annotations

import numpy as np

from edgecompile.errors import ToleranceError


def check(fp32_model, built_model, samples, tol, label: str) -> dict:
    """The manifest's `stand_in_parity` block; ToleranceError when model.onnx misses the tolerance."""
    import onnxruntime as ort

    from edgecompile.core.parity import compare, misses

    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    ref = ort.InferenceSession(fp32_model.SerializeToString(), opts, providers=["CPUExecutionProvider"])
    got = ort.InferenceSession(built_model.SerializeToString(), opts, providers=["CPUExecutionProvider"])
    names = [o.name for o in ref.get_outputs()]
    want = [ref.run(names, f) for f in samples]
    have = [got.run(names, f) for f in samples]
    per = [compare(n, np.concatenate([w[i] for w in want]), np.concatenate([h[i] for h in have]))
           for i, n in enumerate(names)]
    failed = [(p, misses(p, tol)) for p in per if misses(p, tol)]
    if failed:
        p, why = failed[0]
        raise ToleranceError(f"{label}: model.onnx (run by ONNX Runtime as TensorRT's stand-in) output '{p.name}' "
                             f"differs from the fp32 reference: {'; '.join(why)}.")
    return {"runtime": "ONNX Runtime CPU on model.onnx (stand-in: no NVIDIA GPU here)", "samples": len(samples),
            "max_abs_err": max(p.max_abs_err for p in per), "max_rel_err": max(p.max_rel_err for p in per),
            "cosine": min(p.cosine for p in per),
            "top1_agreement": min((p.top1_agreement for p in per if p.top1_agreement is not None), default=None),
            "passed": True}
