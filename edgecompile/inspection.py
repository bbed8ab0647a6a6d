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


def backend_extras(model) -> list[dict]:
    """Every available backend's own reports (Backend.inspect_extras), e.g. tflite's GPU-delegate share."""
    from edgecompile.backends import get_backend, implemented
    from edgecompile.core.quiet import quiet

    out = []
    for name in implemented():
        backend = get_backend(name)
        if not backend.available()[0]:
            continue
        with quiet():  # SDKs the extras convert with (TensorFlow, coremltools) log to stderr on import
            sections = backend.inspect_extras(model)
        for sec in sections:
            out.append({"backend": name, "key": sec.key, "title": sec.title, "lines": sec.lines, "data": sec.data})
    apple = apple_paths({e["key"]: e["data"] for e in out})
    if apple:
        out.append(apple)
    return out


def apple_paths(data: dict) -> dict | None:
    """Which Apple path takes more of the model: Core ML, or the TFLite Metal (GPU) delegate."""
    if "coreml" not in data or "gpu_delegate" not in data:
        return None
    cm, gd = data["coreml"], data["gpu_delegate"]
    cm_share = cm["nodes_taken"] / max(cm["nodes_total"], 1)
    gd_share = gd["ops_on_gpu"] / max(gd["ops_total"], 1)
    better = "Core ML" if cm_share > gd_share else "the TFLite Metal delegate" if gd_share > cm_share else "neither"
    summary = {"coreml_share": cm_share, "metal_delegate_share": gd_share, "takes_more": better,
               "metal_delegate_partitions": gd["gpu_partitions"]}
    title = (f"Apple devices: {better} takes more of the model (Core ML {cm_share:.0%} of ONNX nodes; TFLite Metal "
             f"delegate {gd_share:.0%} of TFLite ops in {gd['gpu_partitions']} GPU partition(s), the rest on the CPU)")
    return {"backend": "coreml+tflite", "key": "apple_paths", "title": title, "lines": [], "data": summary}


def inspect_model(model: str, input_shapes: dict | None = None, weights: str | None = None,
                  extras: bool = True) -> dict:
    from edgecompile import frontends
    from edgecompile.analysis.liveness import peak_memory
    from edgecompile.analysis.macs import macs
    from edgecompile.analysis.params import params
    from edgecompile.core.graph import io_specs
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
        "extras": backend_extras(norm.model) if extras else [],
    }
