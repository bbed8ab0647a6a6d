"""The build driver: load once, normalize once, then compile, verify and write one artifact per target."""
from __future__ import annotations

import functools
import gc
import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from edgecompile import __version__
from edgecompile.artifact import SCHEMA_VERSION, Artifact, hash_files, staged, write_manifest
from edgecompile.backends import get_backend, implemented
from edgecompile.backends.base import CompileContext
from edgecompile.core.precision import PRECISIONS
from edgecompile.errors import CannotRunHereError, EdgeCompileError, MissingExtraError, UnsupportedOpError, UsageError
from edgecompile.targets import TargetProfile, resolve
VERIFY_SAMPLES = 16  # enough to catch a wrong kernel; cheap on every backend


@dataclass
class TargetResult:
    target: str
    precision: str
    backend: str
    path: Path | None = None  # the artifact folder, when it was written
    error: str | None = None  # one paragraph, when it failed
    parity: dict | None = None
    skipped: bool = False  # not attempted (backend not installed during `--target all`)
    seconds: float = 0.0  # wall time of check + compile + verify (reported, never in the manifest)

    @property
    def ok(self) -> bool:
        return self.error is None and not self.skipped


@dataclass
class BuildReport:
    source: str
    normalized: Any  # passes.pipeline.Normalized
    results: list[TargetResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.ok or r.skipped for r in self.results) and any(r.ok for r in self.results)

    def artifacts(self) -> list[Artifact]:
        return [Artifact.open(r.path) for r in self.results if r.ok]


def plan(targets: list[str], precisions: list[str] | None,
         model_precision: str | None = None) -> list[tuple[TargetProfile, str, bool]]:
    """(profile, precision, explicit) for every requested build; 'all' expands to every backend.
    model_precision: what an already-quantized model is ("int8"); a named target defaults to it."""
    for p in precisions or ():
        if p not in PRECISIONS:
            raise UsageError(f"Unknown precision '{p}'. Choose from {', '.join(PRECISIONS)}.")
    if not targets:
        raise UsageError("Name at least one --target (a backend, a profile from 'edgecompile targets', or 'all').")
    out = []
    for name in targets:
        explicit = name != "all"
        profiles = [resolve(name)] if explicit else [resolve(b) for b in implemented()]
        for prof in profiles:
            info = get_backend(prof.backend).info
            default = list(prof.precisions[:1] or ["fp32"]) if explicit else list(prof.precisions or info.precisions)
            if explicit and model_precision in info.precisions and (not prof.precisions or model_precision in prof.precisions):
                default = [model_precision]
            for p in precisions or default:
                if p not in info.precisions:
                    if explicit:
                        raise UsageError(f"{p} is not a precision of the {prof.backend} backend (target '{prof.name}'); "
                                         f"it builds {', '.join(info.precisions)}.")
                    continue
                if prof.precisions and p not in prof.precisions:  # a profile's list is what the device runs
                    raise UsageError(f"Profile '{prof.name}' builds {', '.join(prof.precisions)} (its precisions), "
                                     f"not {p}; use --target {prof.backend} for a {p} build.")
                out.append((prof, p, explicit))
    return out


def target_options(backend, prof: TargetProfile, options: dict) -> dict:
    """The options one target compiles with: the backend's defaults, then the profile's, then the user's.

    User options (`build --option KEY=VALUE` and the flags backends declare) apply to every target
    whose backend declares them; `BACKEND.KEY=VALUE` to that backend only."""
    from edgecompile.core.options import validate, with_defaults

    mine = {k.split(".", 1)[-1]: v for k, v in options.items()
            if ("." not in k and k in {o.name for o in backend.options}) or k.startswith(backend.info.name + ".")}
    where = f"{prof.name} ({backend.info.name} backend)"
    return with_defaults({**validate(prof.options, backend.options, where), **validate(mine, backend.options, where)},
                         backend.options)


def check_user_options(options: dict, jobs) -> None:
    """Every user option must belong to a backend being built: a typo is an error, not silently ignored."""
    from edgecompile.core.options import unknown_key

    backends = {get_backend(prof.backend) for prof, _, _ in jobs}
    declared = {o.name for b in backends for o in b.options}
    for key in options:
        name, scoped = key.split(".", 1)[-1], "." in key
        if scoped and key.split(".", 1)[0] not in {b.info.name for b in backends}:
            raise UsageError(f"Option '{key}' names the {key.split('.', 1)[0]} backend, which this build does not use.")
        owners = [b for b in backends if name in {o.name for o in b.options}]
        if not owners:
            raise unknown_key(name, declared, f"Option '{key}' (backends built: "
                              f"{', '.join(sorted(b.info.name for b in backends))})")


def _manifest(prof, precision, loaded, norm, result, calib_info, parity, tol, opts) -> dict:
    return {
        "schema_version": SCHEMA_VERSION,
        "target": prof.name,
        "backend": prof.backend,
        "precision": precision,
        "profile": {"options": prof.options, "budget": prof.budget, "bench": prof.bench},
        "options": opts,  # what the backend compiled with: its defaults, the profile's, the user's
        "source": Path(loaded.source).name,  # no folders: the same model elsewhere builds the same bytes
        "source_kind": loaded.kind,
        "source_sha256": loaded.source_sha256,
        "normalized_sha256": hashlib.sha256(norm.model.SerializeToString()).hexdigest(),
        "passes": [{"name": r.name, "changed": r.changed, "detail": r.detail} for r in norm.passes],
        "inputs": [s.to_json() for s in result.inputs],
        "outputs": [s.to_json() for s in result.outputs],
        "tool_versions": {"edgecompile": __version__, **result.tool_versions},
        "tolerance": {k: v for k, v in vars(tol).items() if v is not None},
        "calibration": calib_info,
        "parity": parity,
        "backend_details": result.extra,
        "model_metadata": loaded.metadata,  # e.g. preprocessing and class names from a training run
    }


def build_one(prof: TargetProfile, precision: str, loaded, norm, out_dir: Path, calib, calib_info,
              ref, samples, verify: bool, force: bool, options: dict, int8=None, prequantized: bool = False,
              calib_method: str = "minmax") -> TargetResult:
    from edgecompile.core.graph import graph_layouts
    from edgecompile.verify import verify as check_parity

    backend = get_backend(prof.backend)
    res = TargetResult(prof.name, precision, prof.backend)
    ok, why = backend.available()
    if not ok:
        raise MissingExtraError(prof.backend, backend.info.extra or prof.backend, why)
    report = backend.check(norm.model, precision)
    if not report.ok:
        raise UnsupportedOpError(f"{prof.name}: {report.summary()}. First: {report.unsupported[0].reason}.")
    final = out_dir / f"{prof.name}-{precision}"
    tol = backend.info.tolerances[precision]
    opts = target_options(backend, prof, options)
    model = _batch_model(norm, opts.get("batch"))
    with staged(final, force) as stage:
        ctx = CompileContext(model, prof, precision, stage, calib, None, opts,
                             prequantized=prequantized, calib_method=calib_method, source=loaded)
        qblock = None
        if int8 is not None and precision == "int8":
            from edgecompile.int8_build import compile_int8

            ctx.ranges = int8.table
            result, qblock = compile_int8(
                backend, ctx, int8, lambda r: _manifest(prof, precision, loaded, norm, r, calib_info, None, tol, opts),
                f"{prof.name} {precision}")
        else:
            result = backend.compile(ctx)
        manifest = _manifest(prof, precision, loaded, norm, result, calib_info, None, tol, opts)
        if qblock is not None:
            manifest["quantization"] = qblock
        manifest["files"] = hash_files(stage, result.files)
        if verify:
            try:
                runner = backend.load(Artifact(stage, manifest))
            except CannotRunHereError as e:  # cross-compiled: built and checked by its backend, not run here
                runner, manifest["parity"] = None, {"skipped": str(e), "passed": None}
            if runner is not None:
                manifest["parity"] = check_parity(runner, result.inputs, result.outputs, ref.result(), samples, tol,
                                                  f"{prof.name} {precision}", graph_layouts(norm.model))
        write_manifest(stage, manifest)
    parity = manifest["parity"]
    res.path, res.parity = final, parity
    return res


def _batch_model(norm, batch):
    """The graph a target compiles: the normalized one, or (option batch = "dynamic", declared by the backends
    that honour it) the same graph with a symbolic batch dimension, opened and checked once per build."""
    if batch != "dynamic":
        return norm.model
    if getattr(norm, "dynamic", None) is None:
        from edgecompile.passes.dynamic_batch import make_batch_dynamic

        norm.dynamic = make_batch_dynamic(norm.model)
    return norm.dynamic


def _finish_note(report: BuildReport, res: TargetResult) -> None:
    """A backend's note on what it chose (c: patch-based execution); artifacts with a device part (tensorrt
    engines) say the one command that completes them."""
    details = Artifact.open(res.path).manifest.get("backend_details") or {}
    if isinstance(details.get("build_note"), str):  # what a backend chose that the user should know (c: patching)
        report.notes.append(f"{res.target}-{res.precision}: {details['build_note']}")
    if details.get("finish_on_device") and isinstance(details.get("engine"), str):
        report.notes.append(f"{res.target}-{res.precision}: engine {details['engine']}; finish on the device with: "
                            f"edgecompile device-build {res.path}")


class _Reference:
    """ONNX Runtime's outputs on the normalized graph, computed in a thread while the first target compiles
    (ORT releases the GIL while it loads a graph: seconds for a long one). A float graph runs as written
    (no ORT fusions); a quantized one with ORT's defaults (its integer kernels). A graph ORT cannot run
    fails the whole build, as if computed first (build re-raises it)."""

    def __init__(self, model, samples, quantized: bool):
        import threading

        self.error: Exception | None = None
        self.outputs = None
        data = model.SerializeToString()  # here: the build thread reads the same proto meanwhile
        self.thread = threading.Thread(target=self._run, args=(model, data, samples, quantized), daemon=True)
        self.thread.start()

    def _run(self, model, data, samples, quantized):
        from edgecompile.verify import reference_outputs

        try:
            self.outputs = reference_outputs(data, samples, optimize=quantized)
        except Exception as e:  # onnxruntime raises its own C++ exception types
            report = get_backend("onnxruntime").check(model)
            why = report.summary() if not report.ok else (str(e).splitlines() or [""])[0]
            self.error = UnsupportedOpError(
                f"The reference runtime (ONNX Runtime CPU) cannot run this model, so no artifact can be verified: "
                f"{why}. Use --no-verify to build without the check.")
            self.error.__cause__ = e

    def result(self) -> dict:
        self.thread.join()
        if self.error is not None:
            raise self.error
        return self.outputs


def _gc_paused(fn):
    """`fn` with Python's cyclic garbage collector paused: a 100k-node graph is millions of objects that every
    full collection walks again (a third of such a build's CPU seconds), and a build makes few cycles."""
    @functools.wraps(fn)
    def run(*args, **kwargs):
        was = gc.isenabled()
        gc.disable()
        try:
            return fn(*args, **kwargs)
        finally:
            if was:
                gc.enable()
    return run


@_gc_paused
def build(model: str, targets: list[str], precisions: list[str] | None = None, calib: str | None = None,
          calib_samples: int | None = None, out: str | Path = "build", force: bool = False, verify: bool = True,
          input_shapes: dict | None = None, weights: str | None = None, options: dict | None = None,
          loaded=None, calib_method: str = "minmax", max_accuracy_drop: float | None = None,
          eval_src: str | None = None, min_cosine: float | None = None, progress=None) -> BuildReport:
    """Build `model` for every target x precision. One failure does not stop the others.
    progress(event, ...): "start" (profile, precision) and "end" (TargetResult) per target, for a live display."""
    from edgecompile import frontends
    from edgecompile.core.graph import io_specs, seeded_inputs
    from edgecompile.passes.pipeline import normalize
    from edgecompile.quant.qdq import is_quantized
    from edgecompile.quant.sources import load_samples

    jobs = plan(list(targets), list(precisions) if precisions else None)
    options = dict(options or {})
    check_user_options(options, jobs)
    loaded = loaded or frontends.load(model, weights, input_shapes)
    norm = normalize(loaded.model, input_shapes)
    report = BuildReport(loaded.source, norm, notes=loaded.notes + norm.notes)
    prequantized = is_quantized(norm.model)  # int8 builds keep the graph's own scales: no calibration
    if prequantized:
        report.notes.append("the model is already quantized (QDQ): int8 builds use its own scales")
        if not precisions:  # the default precision follows the model
            jobs = plan(list(targets), None, "int8")
    feeds, calib_info = None, None
    if calib:
        feeds, calib_info = load_samples(calib, io_specs(norm.model)[0], calib_samples)
        if "warning" in calib_info and any(p == "int8" for _, p, _ in jobs):  # random data only matters to int8
            report.notes.append(calib_info["warning"])
    elif not prequantized and any(p == "int8" for _, p, _ in jobs):
        if "int8" in (precisions or ()) or any(p == "int8" and explicit for _, p, explicit in jobs):
            raise UsageError("int8 needs calibration data: pass --calib (a .npy/.npz file, 'digits', or 'random').")
        jobs = [j for j in jobs if j[1] != "int8"]  # 'all' builds what it can, and says what it left out
        report.notes.append("--target all: int8 skipped (the model is float and no --calib was given; "
                            "pass --calib to build it)")
    # int8: one range table per build, eval data checked before any compile
    from edgecompile.int8_build import guard_spec, prepare

    guard = guard_spec(max_accuracy_drop, eval_src, min_cosine)
    int8 = None
    if feeds is not None and any(p == "int8" for _, p, _ in jobs) and not prequantized:
        int8 = prepare(norm.model, feeds, calib_info, calib_method, guard)
    elif guard is not None:
        raise UsageError("--max-accuracy-drop / --min-cosine guard int8 builds; add --precision int8.")
    samples = (feeds or [])[:VERIFY_SAMPLES] or seeded_inputs(norm.model, VERIFY_SAMPLES)
    ref = _Reference(norm.model, samples, prequantized) if verify else None
    out_dir = Path(out)
    for prof, precision, explicit in jobs:
        started = time.perf_counter()
        if progress:
            progress("start", prof, precision)
        try:
            if not explicit and not get_backend(prof.backend).available()[0]:
                report.results.append(TargetResult(prof.name, precision, prof.backend, skipped=True,
                                                   error=get_backend(prof.backend).available()[1]))
                continue
            report.results.append(build_one(prof, precision, loaded, norm, out_dir, feeds, calib_info,
                                            ref, samples, verify, force, options, int8, prequantized, calib_method))
        except EdgeCompileError as e:
            if ref is not None and e is ref.error:
                raise
            report.results.append(TargetResult(prof.name, precision, prof.backend, error=str(e)))
        except Exception as e:  # a backend SDK's own exception: this target fails, the others still build
            first = (str(e).strip().splitlines() or [""])[0][:300]
            report.results.append(TargetResult(prof.name, precision, prof.backend,
                                               error=f"{prof.backend} failed unexpectedly ({type(e).__name__}: {first})."))
        report.results[-1].seconds = time.perf_counter() - started
        if report.results[-1].ok:
            _finish_note(report, report.results[-1])
        if progress:
            progress("end", report.results[-1])
    if ref is not None:
        ref.result()  # a graph the reference cannot run fails the build even where every target failed first
    report.notes.extend(int8.notes if int8 else [])  # int8: table reuse, layers the guard kept in float
    return report
