"""Per-layer SQNR: float vs INT8 activations of the same graph on the same inputs, worst first.

The INT8 side is the artifact's flavor of the shared range table as a QDQ graph run by ONNX
Runtime (every artifact built from that table and flavor shares these numbers), with every layer's
output read where the next layer sees it (after Quantize/Dequantize). A layer whose only reader is
an activation the integer kernels fuse (Relu, Clip) is compared after that activation, as the
int8 side holds it: comparing the float pre-activation with the fused int8 result would count
every clipped negative as noise. Errors accumulate, so the first layer with a large drop in SQNR
is where accuracy went.
"""
from __future__ import annotations

import numpy as np

from edgecompile.core.flavor import Flavor

SQNR_CAP = 150.0  # dB reported for a tensor the quantization did not change at all


def _seen_as(qmodel, tensor: str) -> str | None:
    """The QDQ graph's name for `tensor` as downstream nodes see it (after its Q -> DQ pair)."""
    consumers: dict[str, list] = {}
    produced = set()
    for n in qmodel.graph.node:
        produced.update(n.output)
        for i in n.input:
            consumers.setdefault(i, []).append(n)
    if tensor in {o.name for o in qmodel.graph.output}:
        return tensor  # ORT renames the producer; the graph output is the dequantized value
    if tensor not in produced:
        return None
    for q in consumers.get(tensor, []):
        if q.op_type == "QuantizeLinear":
            for dq in consumers.get(q.output[0], []):
                if dq.op_type == "DequantizeLinear":
                    return dq.output[0]
    return tensor


def layer_sqnr(model, table, flavor, feeds: list[dict[str, np.ndarray]]) -> list[dict]:
    """[{tensor, node, op_type, sqnr_db, float}] sorted worst (lowest SQNR) first."""
    from edgecompile.quant.qdq import quantize
    from edgecompile.quant.stats import exposed_session, float_tensors

    qmodel = quantize(model, table, flavor)
    producers = {o: n for n in model.graph.node for o in n.output}
    fused = _fused_activations(model)
    pairs = []
    for t in float_tensors(model):
        if t not in producers or t in fused.values():
            continue
        shown = fused.get(t, t)  # the activation's output stands for the layer
        q = _seen_as(qmodel, shown) or (_seen_as(qmodel, t) if shown != t else None)
        if q is not None:
            pairs.append((shown, q))
    fsess = exposed_session(model, [t for t, _ in pairs])
    qsess = exposed_session(qmodel, sorted({q for _, q in pairs}))
    qnames = sorted({q for _, q in pairs})
    signal = {t: 0.0 for t, _ in pairs}
    noise = dict(signal)
    for feed in feeds:
        fvals = dict(zip([t for t, _ in pairs], fsess.run([t for t, _ in pairs], feed)))
        qvals = dict(zip(qnames, qsess.run(qnames, feed)))
        for t, q in pairs:
            f, g = fvals[t].astype(np.float64), qvals[q].astype(np.float64)
            signal[t] += float(np.sum(f * f))
            noise[t] += float(np.sum((f - g) ** 2))
    rows = []
    layer_of = {a: t for t, a in fused.items()}
    for t, _ in pairs:
        node = producers[layer_of.get(t, t)]
        op_type = node.op_type + (f"+{producers[t].op_type}" if t in layer_of else "")
        s, e = signal[t], noise[t]
        db = SQNR_CAP if e == 0 else (-SQNR_CAP if s == 0 else min(SQNR_CAP, 10 * np.log10(s / e)))
        rows.append({"tensor": t, "node": node.name, "op_type": op_type, "sqnr_db": round(float(db), 2),
                     "float": node.name in table.keep_float})
    return sorted(rows, key=lambda r: r["sqnr_db"])


FUSED = ("Relu", "Clip")  # activations integer kernels apply in the requantization of the op before


def _fused_activations(model) -> dict[str, str]:
    """{tensor: activation output} for tensors whose only reader is a fusable activation."""
    readers: dict[str, list] = {}
    for n in model.graph.node:
        for i in n.input:
            readers.setdefault(i, []).append(n)
    outputs = {o.name for o in model.graph.output}
    return {t: r[0].output[0] for t, r in readers.items()
            if len(r) == 1 and r[0].op_type in FUSED and t not in outputs and r[0].input[0] == t}


def artifact_report(path, model_src: str | None = None, calib: str | None = None, samples: int = 64) -> dict:
    """quant-report for an int8 artifact: everything comes from the range-table cache unless given."""
    import json

    from edgecompile.artifact import Artifact
    from edgecompile.errors import ArtifactError, CalibrationError
    from edgecompile.quant.table import RangeTable, cache_dir, calibrate, load_cached_samples

    art = Artifact.open(path)
    q = art.manifest.get("quantization")
    if not q:
        raise ArtifactError(f"{path} is a {art.precision} artifact without a 'quantization' block: "
                            f"quant-report reads int8 artifacts built by edgecompile's range table.")
    if isinstance(q, dict) and not q.get("flavor"):
        raise ArtifactError(f"{path}: this {art.backend} artifact's int8 numbers come from its own converter, not "
                            f"from edgecompile's range table, so there is no QDQ graph of it to compare layer by layer.")
    rt = _range_table_block(q, path)
    model = _model(rt["model_sha256"], model_src)
    feeds = load_cached_samples(rt["data_sha256"])
    if calib or feeds is None:
        if not calib:
            raise CalibrationError(f"The calibration samples of {path} are not in the cache ({cache_dir()}); "
                                   f"pass --calib SRC (the build's calibration data).")
        from edgecompile.core.graph import io_specs
        from edgecompile.quant.sources import load_samples

        feeds, _ = load_samples(calib, io_specs(model)[0], samples)
    tpath = cache_dir() / "ranges" / f"{rt['key']}.json"
    try:
        table = RangeTable.from_json(json.loads(tpath.read_text())) if tpath.is_file() else None
    except (ValueError, RecursionError):
        table = None  # a damaged cache entry: recompute it
    if table is None:
        from edgecompile.quant.sources import data_sha256

        table, _ = calibrate(model, feeds, data_sha256(feeds), rt["method"])
    table = table.with_float(q.get("keep_float", ()))
    try:
        flavor = Flavor.from_json(q["flavor"])
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise ArtifactError(f"{path}: the manifest's quantization flavor is damaged ({type(e).__name__}: {e}).") from None
    rows = layer_sqnr(model, table, flavor, feeds[:samples])
    return {"artifact": str(path), "target": art.target, "backend": art.backend, "flavor": flavor.name,
            "method": table.method, "samples": min(len(feeds), samples), "keep_float": sorted(table.keep_float),
            "compared": (f"float fp32 graph vs its {flavor.name} QDQ graph in ONNX Runtime (the same numbers for every "
                         f"artifact of this range table and flavor); layers after their fused Relu/Clip"),
            "layers": rows}


def _range_table_block(q, path) -> dict:
    """The manifest's quantization block, checked: its hashes name cache files, so they must be hashes."""
    import re

    from edgecompile.errors import ArtifactError

    rt = q.get("range_table") if isinstance(q, dict) else None
    hexes = ("model_sha256", "data_sha256", "key")
    if (not isinstance(rt, dict) or not all(isinstance(rt.get(k), str) and re.fullmatch(r"[0-9a-f]{64}", rt[k])
                                            for k in hexes)
            or not isinstance(rt.get("method"), str) or not isinstance(q.get("keep_float", []), list)):
        raise ArtifactError(f"{path}: the manifest's 'quantization' block is damaged (it needs range_table "
                            f"{{model_sha256, data_sha256, key (sha256 hex), method}} and keep_float).")
    return rt


def _model(sha: str, model_src: str | None):
    import onnx

    from edgecompile.errors import ArtifactError
    from edgecompile.quant.table import cached_model_path, model_sha256

    if model_src:
        from edgecompile import frontends
        from edgecompile.passes.pipeline import normalize

        model = normalize(frontends.load(model_src).model).model
        if model_sha256(model) != sha:
            raise ArtifactError(f"'{model_src}' is not the model this artifact was built from "
                                f"(normalized sha256 {model_sha256(model)[:12]} != {sha[:12]}).")
        return model
    p = cached_model_path(sha)
    if not p.is_file():
        raise ArtifactError(f"The artifact's fp32 graph is not in the cache ({p}); pass --model (the source model).")
    from edgecompile.frontends.onnx import parse

    return parse(p.read_bytes(), str(p))
