"""`edgecompile inspect`: what a model is, what it costs, and which backends can take it."""
from __future__ import annotations

from collections import Counter


def support_matrix(model) -> dict[str, dict]:
    """For every backend in this build: supported, or the exact nodes it cannot take and why."""
    from edgecompile.backends import get_backend, implemented

    out = {}
    for name in implemented():
        backend = get_backend(name)
        ok, why = backend.available()
        if not ok:
            out[name] = {"available": False, "reason": why}
            continue
        report = backend.check(model)
        out[name] = {
            "available": True,
            "supported": report.ok,
            "unsupported": [vars(u) for u in report.unsupported],
            "notes": report.notes,
        }
    return out


def delegate_report(model) -> dict | None:
    """TFLite GPU delegate (OpenCL/Metal) readiness of the fp16 build; None without the tflite backend."""
    from edgecompile.backends import get_backend, implemented

    if "tflite" not in implemented() or not get_backend("tflite").available()[0]:
        return None
    from edgecompile.backends.tflite.gpu_delegate import gpu_delegate_report

    return gpu_delegate_report(model, "fp16")  # what edgecompile's fp16 build would hand the delegate


def inspect_model(model: str, input_shapes: dict | None = None, weights: str | None = None,
                  gpu_report: bool = True) -> dict:
    from edgecompile import frontends
    from edgecompile.analysis.liveness import peak_memory
    from edgecompile.analysis.macs import macs
    from edgecompile.analysis.params import params
    from edgecompile.backends.onnxruntime.backend import io_specs
    from edgecompile.passes.pipeline import normalize

    loaded = frontends.load(model, weights, input_shapes)
    norm = normalize(loaded.model, input_shapes)
    inputs, outputs = io_specs(norm.model)
    return {
        "source": loaded.source,
        "kind": loaded.kind,
        "notes": loaded.notes + norm.notes,
        "inputs": [s.to_json() for s in inputs],
        "outputs": [s.to_json() for s in outputs],
        "params": params(norm.model),
        "macs": macs(norm.model),
        "ops": dict(sorted(Counter(n.op_type for n in norm.model.graph.node).items(), key=lambda kv: (-kv[1], kv[0]))),
        "activation_memory": peak_memory(norm.model),
        "passes": [{"name": r.name, "changed": r.changed, "detail": r.detail} for r in norm.passes],
        "support": support_matrix(norm.model),
        "tflite_gpu_delegate": delegate_report(norm.model) if gpu_report else None,
    }
