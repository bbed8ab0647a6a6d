"""Parity between an artifact and the reference (ONNX Runtime, CPU, on the fp32 normalized graph)."""
from __future__ import annotations

from dataclasses import asdict
from typing import Any

import numpy as np

from edgecompile.core.parity import compare, misses
from edgecompile.core.tensor import TensorSpec, decode, encode
from edgecompile.core.tolerance import Tolerance
from edgecompile.errors import ToleranceError


def run_batched(runner, specs: list[TensorSpec], samples: list[dict[str, np.ndarray]], out_specs: list[TensorSpec],
                ref_layouts: dict[str, str | None] | None = None, quantized_ref: set[str] = frozenset()):
    """Run one sample at a time (artifacts have a fixed batch) and stack decoded float outputs.

    Samples are in the reference graph's layouts (`ref_layouts`, from graph_layouts; NCHW when omitted).
    Outputs named in `quantized_ref` stay quantized: the reference itself (an int8 graph) gives integers.
    """
    lay = ref_layouts or {}
    outs: dict[str, list[np.ndarray]] = {s.name: [] for s in out_specs}
    for feed in samples:
        enc = {s.name: encode(feed[s.name], s, lay.get(s.name, "NCHW")) for s in specs}
        res = runner.run(enc)
        for s in out_specs:
            outs[s.name].append(decode(res[s.name], s, lay.get(s.name, "NCHW"), s.name not in quantized_ref))
    return {k: np.concatenate(v, axis=0) for k, v in outs.items()}


def reference_outputs(model_bytes: bytes, samples: list[dict[str, np.ndarray]], optimize: bool = True) -> dict[str, np.ndarray]:
    """optimize=False: the graph as written, without ORT's fusions (and a third cheaper to load)."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    if not optimize:
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    sess = ort.InferenceSession(model_bytes, opts, providers=["CPUExecutionProvider"])
    names = [o.name for o in sess.get_outputs()]
    outs: dict[str, list[np.ndarray]] = {n: [] for n in names}
    for feed in samples:
        for n, y in zip(names, sess.run(names, feed)):
            outs[n].append(y)
    return {k: np.concatenate(v, axis=0) for k, v in outs.items()}


def verify(runner, inputs: list[TensorSpec], outputs: list[TensorSpec], ref: dict[str, np.ndarray],
           samples: list[dict[str, np.ndarray]], tol: Tolerance, label: str,
           ref_layouts: dict[str, str | None] | None = None) -> dict[str, Any]:
    """Compare; return the manifest's `parity` block, or raise ToleranceError naming the worst output."""
    got = run_batched(runner, inputs, samples, outputs, ref_layouts, {k for k, v in ref.items() if v.dtype.kind in "iu"})
    per = [compare(s.name, ref[s.name], got[s.name]) for s in outputs]
    failures = [(p, misses(p, tol)) for p in per]
    failures = [(p, m) for p, m in failures if m]
    block = {
        "samples": len(samples),
        "max_abs_err": max(p.max_abs_err for p in per),
        "max_rel_err": max(p.max_rel_err for p in per),
        "cosine": min(p.cosine for p in per),
        "top1_agreement": min((p.top1_agreement for p in per if p.top1_agreement is not None), default=None),
        "tolerance": {k: v for k, v in asdict(tol).items() if v is not None},
        "outputs": [asdict(p) for p in per],
        "passed": not failures,
    }
    if failures:
        worst, why = failures[0]
        raise ToleranceError(
            f"{label}: output '{worst.name}' differs from the ONNX Runtime fp32 reference "
            f"over {len(samples)} samples: {'; '.join(why)}."
        )
    return block
