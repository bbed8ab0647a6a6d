"""The accuracy guard: measure float vs INT8, rank layers by sensitivity, choose the fewest to keep float.

Scores are measured on the real artifact by the caller (compile_int8); this module holds the
pieces: scoring, the bound, and the sensitivity ranking, which runs the backend's QDQ flavor in
ONNX Runtime with one layer at a time kept in float.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SENSITIVITY_SAMPLES = 512  # enough to order layers; the bound itself is checked on the whole eval set


@dataclass(frozen=True)
class GuardSpec:
    eval_src: str  # labelled or unlabelled evaluation data (see evaldata.load_eval)
    max_drop: float | None = None  # accuracy points (percent) INT8 may lose against fp32
    min_cosine: float | None = None  # least cosine similarity of INT8 to fp32 outputs (unlabelled data)


def score(outputs: dict[str, np.ndarray], ref: dict[str, np.ndarray], labels: np.ndarray | None) -> dict:
    """{'accuracy': percent or None, 'cosine': min over outputs, 'mse': of the first output}."""
    from edgecompile.core.parity import compare

    names = list(ref)
    cos = min(compare(n, ref[n], outputs[n]).cosine for n in names)
    first = np.asarray(outputs[names[0]], np.float64)
    mse = float(np.mean((first - np.asarray(ref[names[0]], np.float64).reshape(first.shape)) ** 2))
    acc = None
    if labels is not None:
        pred = first.reshape(len(labels), -1).argmax(1)
        acc = round(float(np.mean(pred == labels)) * 100, 3)
    return {"accuracy": acc, "cosine": cos, "mse": mse}


def meets(spec: GuardSpec, fp32: dict, q: dict) -> bool:
    if spec.max_drop is not None and fp32["accuracy"] is not None and fp32["accuracy"] - q["accuracy"] > spec.max_drop:
        return False
    if spec.min_cosine is not None and q["cosine"] < spec.min_cosine:
        return False
    return True


def describe(spec: GuardSpec, fp32: dict, q: dict) -> str:
    parts = []
    if spec.max_drop is not None and fp32["accuracy"] is not None:
        parts.append(f"accuracy {q['accuracy']:.2f}% vs fp32 {fp32['accuracy']:.2f}% "
                     f"(drop {fp32['accuracy'] - q['accuracy']:.2f} points, bound {spec.max_drop})")
    if spec.min_cosine is not None:
        parts.append(f"cosine {q['cosine']:.5f} (bound {spec.min_cosine})")
    return "; ".join(parts)


def run_ort(model, feeds) -> dict[str, np.ndarray]:
    from edgecompile.verify import reference_outputs

    return reference_outputs(model.SerializeToString(), feeds)


def sensitivity(model, table, flavor, feeds, ref: dict[str, np.ndarray]) -> list[tuple[str, float]]:
    """[(node, output MSE vs fp32 with only that node in float)], most helpful node first."""
    from edgecompile.quant.qdq import quantizable_nodes, quantize

    feeds = feeds[:SENSITIVITY_SAMPLES]
    ref = {k: v[:len(feeds)] for k, v in ref.items()}
    out = []
    for node in quantizable_nodes(model):
        got = run_ort(quantize(model, table, flavor, keep_float=set(table.keep_float) | {node}), feeds)
        out.append((node, score(got, ref, None)["mse"]))
    return sorted(out, key=lambda p: p[1])


def simulate(model, table, flavor, feeds, ref, labels, keep) -> dict:
    """Score of the flavor's QDQ graph in ONNX Runtime with `keep` in float."""
    from edgecompile.quant.qdq import quantize

    return score(run_ort(quantize(model, table, flavor, keep_float=keep), feeds), ref, labels)
