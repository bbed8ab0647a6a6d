"""`--target auto` (the `host` profile): the fastest verified artifact for this machine.

Builds every candidate available here (backend x precision; int8 only with calibration data or
the model's own scales), each verified by the normal build; measures all of them in one
interleaved run (same sample, same process, round-robin, so other load hits all alike); keeps the
fastest that meets the bound (`--max-accuracy-drop` on `--eval`, else each precision's parity
tolerance, which verification already enforced). The winner is copied to OUT/auto/ with the
ranking in its manifest; the candidates stay in OUT/candidates/.
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from edgecompile.driver import BuildReport, TargetResult
from edgecompile.errors import EdgeCompileError, UsageError

AUTO_TARGETS = ("auto", "host")
RUNS, ROUNDS = 300, 10  # per candidate: a few seconds in all, medians stable to a few percent


@dataclass
class AutoReport(BuildReport):
    ranking: list[dict] = field(default_factory=list)  # fastest first: target, precision, p50_us, parity, ...
    picked: TargetResult | None = None


def host_profile():
    from edgecompile.targets import resolve

    return resolve("host")


def candidates(prequantized: bool, calib: str | None, precisions: list[str] | None) -> list[tuple[str, str, list[str]]]:
    """(target, backend, precisions) for every host candidate installed here."""
    from edgecompile.backends import get_backend, implemented
    from edgecompile.targets import resolve

    out = []
    for name in host_profile().options.get("candidates", ()):
        prof = resolve(name)
        if prof.backend not in implemented():
            continue
        b = get_backend(prof.backend)
        if not b.available()[0]:
            continue
        # an already-quantized model's float builds are its QDQ graph simulated in float: never faster
        ps = [p for p in (prof.precisions or b.info.precisions) if (precisions is None or p in precisions)
              and (p == "int8" if prequantized else (p != "int8" or calib))]
        if ps:
            out.append((name, prof.backend, ps))
    return out


def build(model: str, targets: list[str], precisions=None, **kwargs):
    """driver.build, or build_auto when the targets name auto/host: the one entry the CLI and API call."""
    from edgecompile import driver

    if any(t in AUTO_TARGETS for t in targets):
        return build_auto(model, list(targets), precisions, **kwargs)
    return driver.build(model, list(targets), precisions, **kwargs)


def build_auto(model: str, targets: list[str], precisions=None, calib=None, out="build", force=False,
               verify=True, options=None, loaded=None, max_accuracy_drop=None, eval_src=None, progress=None,
               **kwargs) -> AutoReport:
    from edgecompile import frontends
    from edgecompile.driver import build
    from edgecompile.quant.qdq import is_quantized

    if set(targets) - set(AUTO_TARGETS):
        raise UsageError("--target auto builds every backend itself; do not combine it with other targets.")
    if not verify:
        raise UsageError("--target auto keeps only verified artifacts; drop --no-verify.")
    loaded = loaded or frontends.load(model, kwargs.get("weights"), kwargs.get("input_shapes"))
    prequantized = is_quantized(loaded.model)
    out = Path(out)
    threads = host_profile().options.get("threads", {})
    report = AutoReport(loaded.source, None)
    for target, backend, ps in candidates(prequantized, calib, list(precisions) if precisions else None):
        opts = {**({f"{backend}.threads": threads[backend]} if backend in threads else {}), **(options or {})}
        try:
            sub = build(model, [target], ps, calib=calib, out=out / "candidates", force=force, verify=True,
                        options=opts, loaded=loaded, max_accuracy_drop=max_accuracy_drop, eval_src=eval_src,
                        progress=progress, **kwargs)
        except EdgeCompileError as e:  # e.g. this backend's int8 cannot keep layers float: others may
            report.results.extend(TargetResult(target, p, backend, error=str(e)) for p in ps)
            continue
        report.normalized = sub.normalized
        report.results.extend(sub.results)
        report.notes.extend(n for n in sub.notes if n not in report.notes)
    built = [r for r in report.results if r.ok and (r.parity or {}).get("passed")]
    if not built:
        raise EdgeCompileError("--target auto: no candidate built and verified here; see each target's error.")
    report.ranking = rank(built, report.normalized.model, eval_src, max_accuracy_drop)
    best = next((row for row in report.ranking if row["eligible"]), None)
    if best is None:
        raise EdgeCompileError(f"--target auto: no candidate meets --max-accuracy-drop {max_accuracy_drop}.")
    report.picked = publish(best, report.ranking, out, force)
    report.results.append(report.picked)
    if progress:
        progress("picked", report.picked)
    return report


def rank(built: list[TargetResult], model, eval_src, max_drop) -> list[dict]:
    """Every candidate's p50 (one interleaved run), parity and accuracy; fastest eligible first."""
    from edgecompile.artifact import Artifact
    from edgecompile.bench.interleave import interleaved
    from edgecompile.core.graph import seeded_inputs
    from edgecompile.core.graph import graph_layouts
    from edgecompile.core.tensor import encode

    sample = seeded_inputs(model, 1)[0]
    layouts = graph_layouts(model)
    calls, rows = {}, {}
    for r in built:
        art = Artifact.open(r.path)
        runner = art.load()
        feeds = {s.name: encode(sample[s.name], s, layouts.get(s.name)) for s in art.inputs}
        key = f"{r.target}-{r.precision}"
        calls[key] = (lambda runner=runner, feeds=feeds: runner.run(feeds))
        rows[key] = {"target": r.target, "backend": r.backend, "precision": r.precision, "path": str(r.path),
                     "size_bytes": art.size_bytes(), "parity": _parity_brief(r.parity), "eligible": True}
        if eval_src:
            rows[key]["accuracy"] = _accuracy(art, runner, model, eval_src, layouts)
    lat = interleaved(calls, runs=RUNS, rounds=ROUNDS)
    for key, row in rows.items():
        row["p50_us"], row["p90_us"] = round(lat[key]["p50"], 2), round(lat[key]["p90"], 2)
    if eval_src and max_drop is not None:
        ref = _reference_accuracy(model, eval_src)
        for row in rows.values():
            row["eligible"] = row["accuracy"] is not None and (ref - row["accuracy"]) * 100 <= max_drop
    return sorted(rows.values(), key=lambda row: (not row["eligible"], row["p50_us"]))


def _parity_brief(p: dict | None) -> dict:
    keys = ("max_rel_err", "cosine", "top1_agreement", "passed")
    return {k: p.get(k) for k in keys} if p else {}


def _eval_set(model, eval_src):
    from edgecompile.core.graph import io_specs
    from edgecompile.quant.evaldata import load_eval

    ev = load_eval(eval_src, io_specs(model)[0])
    if ev.labels is None:
        raise UsageError("--target auto with --eval needs labelled data (class folders, .npz with y, 'digits').")
    return ev


def _accuracy(art, runner, model, eval_src, layouts) -> float:
    from edgecompile.verify import run_batched

    ev = _eval_set(model, eval_src)
    got = run_batched(runner, art.inputs, ev.feeds, art.outputs, layouts)
    return float(np.mean(got[art.outputs[0].name].argmax(1) == ev.labels))


def _reference_accuracy(model, eval_src) -> float:
    from edgecompile.verify import reference_outputs

    ev = _eval_set(model, eval_src)
    ref = reference_outputs(model.SerializeToString(), ev.feeds)
    return float(np.mean(next(iter(ref.values())).argmax(1) == ev.labels))


def publish(best: dict, ranking: list[dict], out: Path, force: bool) -> TargetResult:
    """Copy the winner to OUT/auto/ and record the ranking in its manifest (files are unchanged)."""
    import json

    from edgecompile.artifact import MANIFEST, staged, write_manifest

    final = out / "auto"
    with staged(final, force) as stage:
        shutil.copytree(best["path"], stage, dirs_exist_ok=True)
        manifest = json.loads((stage / MANIFEST).read_text())
        manifest["auto"] = {"picked": f"{best['target']}-{best['precision']}",
                            "ranking": [{k: v for k, v in row.items() if k != "path"} for row in ranking],
                            "measured": f"batch-1 p50 of {RUNS} in-process calls each, {ROUNDS} interleaved rounds"}
        write_manifest(stage, manifest)
    return TargetResult("auto", best["precision"], best["backend"], path=final, parity=best["parity"])
