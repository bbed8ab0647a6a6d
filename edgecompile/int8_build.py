"""INT8 inside `edgecompile build` (driver layer): one range table per build, then per target a
compile under the accuracy guard. edgecompile.quant computes tables, flavors' QDQ graphs and
scores; this module drives the backend (compile, load, measure) around them.

    plan = prepare(model, feeds, calib_info, method, guard)        # once per build, before compiling
    result, block = compile_int8(backend, ctx, plan, make_manifest, label)   # per int8 target

`block` goes into the artifact manifest as "quantization": the range table's identity, the
backend's declared flavor, the layers kept in float and, with a guard, the measured scores and the
latency cost. A backend without a flavor (its int8 comes from its own converter) is measured by
the guard like any other, but the guard cannot keep layers of it in float.
"""
from __future__ import annotations

import dataclasses
import shutil
from dataclasses import dataclass, field

from edgecompile.errors import EdgeCompileError, ToleranceError, UsageError
from edgecompile.quant.guard import GuardSpec

MAX_REAL_ATTEMPTS = 3  # recompiles on the backend once the simulation says a fallback set meets the bound
WORST_SHOWN = 5


def guard_spec(max_drop: float | None, eval_src: str | None, min_cosine: float | None) -> GuardSpec | None:
    if max_drop is None and min_cosine is None:
        if eval_src:
            raise UsageError("--eval needs a bound: --max-accuracy-drop PCT (labelled data) or --min-cosine X.")
        return None
    if not eval_src:
        raise UsageError("--max-accuracy-drop / --min-cosine need --eval SRC (npz with x/y, image folder, or 'digits').")
    if max_drop is not None and not 0 <= max_drop <= 100:  # also refuses nan (every comparison is False)
        raise UsageError(f"--max-accuracy-drop must be 0 to 100 (accuracy points), got {max_drop}.")
    if min_cosine is not None and not -1 <= min_cosine <= 1:
        raise UsageError(f"--min-cosine must be between -1 and 1, got {min_cosine}.")
    return GuardSpec(eval_src, max_drop, min_cosine)


@dataclass
class Int8Plan:
    table: object  # table.RangeTable
    cached: bool  # the table came from the on-disk cache
    guard: GuardSpec | None = None
    eval: object = None  # evaldata.EvalSet
    eval_ref: dict | None = None  # fp32 ORT outputs on the eval feeds
    fp32: dict | None = None  # guard.score of fp32 on the eval set
    notes: list[str] = field(default_factory=list)


def prepare(model, feeds, calib_info: dict, method: str, guard: GuardSpec | None) -> Int8Plan:
    """Eval data is read (and checked) first, then the range table is computed or taken from the cache."""
    from edgecompile.core.graph import io_specs
    from edgecompile.quant.evaldata import load_eval
    from edgecompile.quant.guard import run_ort, score
    from edgecompile.quant.sources import data_sha256
    from edgecompile.quant.table import calibrate

    ev = None
    if guard is not None:
        ev = load_eval(guard.eval_src, io_specs(model)[0])
        if guard.max_drop is not None and ev.labels is None:
            raise UsageError(f"--max-accuracy-drop needs labelled --eval data; '{guard.eval_src}' has no labels "
                             f"(use an .npz with x and y, a folder of class sub-folders, or --min-cosine).")
    table, cached = calibrate(model, feeds, calib_info.get("sha256") or data_sha256(feeds), method)
    plan = Int8Plan(table, cached, guard, ev)
    plan.notes.append(f"int8 range table ({method}, {table.samples} samples) "
                      f"{'reused from the cache' if cached else 'computed'}: {table.key[:12]}")
    if ev is not None:
        plan.eval_ref = run_ort(model, ev.feeds)
        plan.fp32 = score(plan.eval_ref, plan.eval_ref, ev.labels)
    return plan


def _measure(backend, ctx, result, plan, make_manifest):
    from edgecompile.artifact import Artifact
    from edgecompile.quant.guard import score
    from edgecompile.core.graph import graph_layouts
    from edgecompile.verify import run_batched

    runner = backend.load(Artifact(ctx.out_dir, make_manifest(result)))
    got = run_batched(runner, result.inputs, plan.eval.feeds, result.outputs, graph_layouts(ctx.model))
    return runner, score(got, plan.eval_ref, plan.eval.labels)


def _latency(runner, result, plan, runs: int = 50) -> float:
    """p50 microseconds of one inference: what keeping layers in float costs."""
    import numpy as np

    from edgecompile.bench.timer import time_runs
    from edgecompile.core.tensor import encode

    feed = {s.name: encode(plan.eval.feeds[0][s.name], s) for s in result.inputs}
    return float(np.median(time_runs(runner, feed, runs, warmup=5)) * 1e6)


def _clear(folder) -> None:
    for p in folder.iterdir():
        shutil.rmtree(p) if p.is_dir() else p.unlink()


def compile_int8(backend, ctx, plan: Int8Plan, make_manifest, label: str):
    """(CompileResult, manifest block). Raises ToleranceError when the guard's bound cannot be met."""
    from edgecompile.quant.guard import describe, meets, sensitivity, simulate

    flavor = backend.int8_flavor
    t = plan.table
    block = {"range_table": {"key": t.key, "method": t.method, "model_sha256": t.model_sha256,
                             "data_sha256": t.data_sha256, "samples": t.samples},
             "flavor": flavor.to_json() if flavor else None, "keep_float": []}
    result = backend.compile(ctx)
    if plan.guard is None:
        return result, block
    spec, ev = plan.guard, plan.eval
    runner, q = _measure(backend, ctx, result, plan, make_manifest)
    gblock = {"eval": ev.source, "samples": len(ev.feeds), "max_accuracy_drop": spec.max_drop,
              "min_cosine": spec.min_cosine, "fp32": plan.fp32, "int8_all_layers": q}
    if meets(spec, plan.fp32, q):
        block["guard"] = {**gblock, "int8": q, "passed": True}
        return result, block
    if flavor is None:
        from edgecompile.core.flavor import S8

        why = (f"{describe(spec, plan.fp32, q)}; the {backend.info.name} backend's int8 comes from its own converter, "
               f"so no layers can be kept in float")
        raise ToleranceError(_failure(ctx.model, t, S8, plan, label, why, estimated=True))
    full_us = _latency(runner, result, plan)
    ranking = sensitivity(ctx.model, t, flavor, ev.feeds, plan.eval_ref)
    attempts, last = 0, q
    for k in range(1, len(ranking) + 1):
        keep = {n for n, _ in ranking[:k]}
        if not meets(spec, plan.fp32, simulate(ctx.model, t, flavor, ev.feeds, plan.eval_ref, ev.labels, keep)):
            continue
        _clear(ctx.out_dir)
        try:
            result = backend.compile(dataclasses.replace(ctx, ranges=t.with_float(keep)))
        except EdgeCompileError as e:  # e.g. an integer-only backend refusing float layers
            why = f"{describe(spec, plan.fp32, last)}; the fallback keeping {', '.join(sorted(keep))} in float failed: {e}"
            raise ToleranceError(_failure(ctx.model, t, flavor, plan, label, why)) from e
        runner, last = _measure(backend, ctx, result, plan, make_manifest)
        attempts += 1
        if meets(spec, plan.fp32, last):
            us = _latency(runner, result, plan)
            names = sorted(keep)
            block["keep_float"] = names
            block["guard"] = {**gblock, "int8": last, "passed": True, "latency_p50_us": round(us, 2),
                              "latency_p50_us_all_int8": round(full_us, 2),
                              "latency_cost": round(us / full_us, 3) if full_us else None,
                              "sensitivity": [{"node": n, "mse": m} for n, m in ranking]}
            plan.notes.append(f"{label}: accuracy guard kept {len(names)} layer(s) in float ({', '.join(names)}): "
                              f"{describe(spec, plan.fp32, last)}; p50 latency {us:.0f} us vs {full_us:.0f} us "
                              f"all-int8 ({us / full_us:.2f}x)")
            return result, block
        if attempts >= MAX_REAL_ATTEMPTS:
            break
    tried = (f"; keeping layers in float ({attempts} tries) did not meet it on {backend.info.name} either "
             f"(an integer-only backend cannot run float layers)" if attempts else
             "; keeping layers in float did not meet it in simulation either")
    raise ToleranceError(_failure(ctx.model, t, flavor, plan, label, describe(spec, plan.fp32, last) + tried))


def _failure(model, table, flavor, plan, label, why, estimated: bool = False) -> str:
    """The refusal, with the layers that lose most. `estimated`: the backend quantizes on its own, so the
    ranking comes from the shared table's s8 QDQ graph, an indication of where its converter loses too."""
    from edgecompile.quant.report import layer_sqnr

    rows = layer_sqnr(model, table, flavor, plan.eval.feeds[:64])
    worst = ", ".join(f"{r['node']} ({r['op_type']}, {r['sqnr_db']:.1f} dB)" for r in rows[:WORST_SHOWN])
    basis = " (estimated from the shared range table's s8 QDQ graph)" if estimated else ""
    return (f"{label}: INT8 misses the accuracy bound: {why}. Worst layers by SQNR on the eval data{basis}: "
            f"{worst}. No artifact was written.")
