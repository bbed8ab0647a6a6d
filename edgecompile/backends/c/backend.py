"""The C backend: `--target c` and the cortex-m* profiles. ONNX -> IR -> memory plan -> model.h/model.c.

fp32 lowers the float graph; int8 lowers a QDQ graph into integer kernels (a QDQ model as given,
e.g. an int8 .tflite through tf2onnx, or the float model quantized on the calibration data).
"""
from __future__ import annotations

import hashlib
import shutil
import threading

from edgecompile.backends.base import (HOST, SSH, Backend, BackendInfo, BenchRunner, CompileContext, CompileResult,
                                       InspectSection, Option, SupportReport, TensorSpec, Tolerance, UnsupportedNode,
                                       check_by_op_table)
from edgecompile.core import flavor
from edgecompile.errors import CalibrationError, EdgeCompileError, UnsupportedOpError, UsageError

FILES = ["model.h", "model.c"]
SUPPORTED = {"Conv", "Gemm", "MatMul", "Add", "Sub", "Mul", "Div", "Max", "Min", "Relu", "Clip", "Sigmoid", "Tanh",
             "LeakyRelu", "HardSigmoid", "HardSwish", "Elu", "Neg", "Abs", "Exp", "Sqrt", "MaxPool", "AveragePool",
             "GlobalAveragePool", "GlobalMaxPool", "ReduceMean", "Reshape", "Flatten", "Squeeze", "Unsqueeze",
             "Transpose", "Concat", "Pad", "Softmax", "QuantizeLinear", "DequantizeLinear", "Constant"}
# element-wise arithmetic other than Add has float kernels only
FP32_ONLY = {"Sub", "Mul", "Div", "Max", "Min"}


# Emulated Cortex-M (qemu-system-arm): its [bench] keys. A board missing from boards.toml runs when
# the profile gives cpu and the memory map itself.
QEMU = BenchRunner("qemu", "edgecompile.backends.c.qemu:bench", (
    Option("machine", str, "mps2-an386", "qemu-system-arm board (-M), e.g. mps2-an386 (Cortex-M4)"),
    Option("clock_hz", int, None, "the real part's clock: latency = instructions / clock (estimate)", minimum=1),
    Option("cpu", str, None, "the board's CPU (else from boards.toml)"),
    Option("flash_origin", str, None, "code memory origin for the linker script (else from boards.toml)"),
    Option("flash_length", str, None, "code memory length (default 4 MiB)"),
    Option("ram_origin", str, None, "data memory origin (else from boards.toml)"),
    Option("ram_length", str, None, "data memory length (default 4 MiB)"),
), "emulated Cortex-M board, instruction-counted")


def _gcc_version() -> str | None:
    from edgecompile.backends.c.runner import compiler

    cc = compiler()
    if cc is None:
        return None
    from edgecompile.tools import run as run_tool

    out = run_tool([cc, "-dumpfullversion", "-dumpversion"], "The C compiler", 60)
    return f"{shutil.os.path.basename(cc)} {out.stdout.strip()}"


class CBackend(Backend):
    info = BackendInfo(
        name="c",
        summary="Generated C99 for microcontrollers (fp32, TFLite-exact int8), static memory plan",
        precisions=("fp32", "int8"),
        extra=None,
        tolerances={
            "fp32": Tolerance(max_rel_err=1e-4),
            # against ORT's float-simulated QDQ (int8 sources) or the fp32 graph: TFLite's integer rounding differs
            # from ORT's by one step here and there. No top-1 bound: random inputs to a classifier give near-flat
            # softmax outputs whose argmax one step decides (KWS: 10 of 16 agree although every byte is within 1).
            "int8": Tolerance(min_cosine=0.99),
        },
    )

    options = (
        Option("c_prefix", str, "model", "prefix of the generated C symbols", flag="--c-prefix"),
        Option("max_ram", int, None, "fail unless arena + inputs/outputs fit, in bytes (overrides the profile's budget)",
               flag="--max-ram", minimum=1),
        Option("max_flash", int, None, "fail unless code + constants fit, in bytes (overrides the profile's budget)",
               flag="--max-flash", minimum=1),
        Option("mcpu", str, None, "Cortex-M CPU for the flash estimate and firmware (-mcpu)"),
        Option("mfpu", str, None, "FPU (-mfpu), e.g. fpv4-sp-d16; none = soft float"),
        Option("mfloat_abi", str, "hard", "float ABI with an FPU (-mfloat-abi)", choices=("hard", "softfp", "soft")),
        Option("opt", str, "-O2", "optimization flag for firmware builds"),
        Option("simd", bool, False, "CMSIS-NN-style SMLAD kernels for int8 (needs the DSP extension)"),
        Option("inplace", bool, True, "let the memory planner write outputs over inputs where provably safe"),
        Option("fuse_add", bool, True, "fuse residual Adds into the convolution that makes an operand, written "
               "over the other, where that makes the arena smaller"),
        Option("dw_rows", bool, True, "run depthwise convs in place one output row at a time (a window buffer of "
               "kernel-height rows), where that makes the arena smaller"),
        Option("dispatch", str, "auto", "the run function: straight-line kernel calls (fastest on a microcontroller), "
               "an op table run by a dispatch loop (gcc's time no longer grows with the graph), or auto (the table "
               "past 1000 steps)", choices=("auto", "calls", "table")),
        Option("overlap", bool, True, "let an output start a proven-safe distance below a dying input (RAM below "
               "the whole-tensor liveness bound)"),
        Option("patch", str, "auto", "patch-based execution of the first high-resolution layers, tile by tile: "
               "auto (only when the plain plan is over the RAM budget), off, a number of bands (8) or a grid (3x3)"),
    )
    int8_flavor = flavor.TFLITE  # TFLite-compatible numbers, Softmax included
    bench_runners = (HOST, QEMU, SSH)

    def available(self):
        v = _gcc_version()
        return (True, v) if v else (False, "no C compiler on PATH (install gcc) to build and verify C artifacts")

    def check(self, model, precision="fp32") -> SupportReport:
        """The op table, then (fp32 graphs and QDQ graphs, which need no calibration) the lowering itself, so
        that geometry the kernels cannot take is refused here with the lowering's reason."""
        from edgecompile.backends.c.lower import lower
        from edgecompile.backends.c.lowering.common import is_qdq

        report = check_by_op_table(self.info.name, model, SUPPORTED - (FP32_ONLY if precision == "int8" else set()))
        if precision == "int8":
            for u in report.unsupported:
                if u.op_type in FP32_ONLY:
                    u.reason = f"c has no int8 kernel for {u.op_type} (fp32 only)"
        if report.unsupported or (precision == "int8" and not is_qdq(model)):
            return report
        try:
            self._lowered = (model, lower(model))  # compile() takes it rather than lowering the same graph again
        except UnsupportedOpError as e:
            report.unsupported.append(UnsupportedNode("graph", "<lowering>", str(e)))
        return report

    def inspect_extras(self, model) -> list[InspectSection]:
        """The arena the memory planner reaches against the whole-tensor liveness bound (the model's own
        precision: fp32, or int8 for a QDQ graph)."""
        from edgecompile.backends.c import lower, patch_plan

        try:
            lowered, _ = lower.lower(model)
        except EdgeCompileError:  # not a graph the C backend takes: check() says why
            return []
        g, p = _plan(lowered, {})
        data = {"whole_tensor_bound_bytes": p.lower_bound, "arena_bytes": p.arena_bytes, "arena_strategy": p.strategy,
                "arena_candidates": p.candidates, "overlaps": len(p.overlaps)}
        title = (f"C arena: {p.arena_bytes:,} B planned ({p.strategy}), whole-tensor liveness bound "
                 f"{p.lower_bound:,} B")
        lines = [f"{k}: {v:,} B" for k, v in p.candidates.items()]
        lines.append(f"{len(p.overlaps)} output(s) written over a dying input")
        patched = _plan(lowered, {"patch": "smallest"})[1].patch
        data["patch"] = patched
        if patched:
            said = (f"{patched['arena_after']:,} B in {patched['chosen']} over {len(patched['layers'])} ops, "
                    f"+{patched['recomputed_macs']:,} MACs ({patched['recomputed_pct']}%)")
        elif len(lowered.ops) > patch_plan.SEARCHED_OPS:
            said = f"not searched (over {patch_plan.SEARCHED_OPS:,} ops)"
        else:
            said = "no smaller arena for this model"
        lines.append(f"patch-based (option patch): {said}")
        return [InspectSection("c_arena", title, lines, data)]

    def graph_for(self, ctx: CompileContext):
        from edgecompile.backends.c.lowering.common import is_qdq

        if is_qdq(ctx.model):
            if ctx.precision != "int8":
                raise UsageError("This model is already quantized (QDQ); build it with --precision int8.")
            return ctx.model
        if ctx.precision == "int8":
            if not ctx.calib:
                raise CalibrationError("c int8 needs calibration data: pass --calib (a .npy/.npz, 'digits', or 'random').")
            from edgecompile.quant.qdq import quantize
            from edgecompile.quant.sources import data_sha256
            from edgecompile.quant.table import calibrate

            table = ctx.ranges  # the build's shared range table; outside `build`, calibrate through the cache
            if table is None:
                table, _ = calibrate(ctx.model, ctx.calib, data_sha256(ctx.calib), ctx.calib_method)
            return quantize(ctx.model, table, self.int8_flavor)
        return ctx.model

    def compile(self, ctx: CompileContext) -> CompileResult:
        from edgecompile import __version__
        from edgecompile.backends.c import budget, emit, lower, planner, size

        if ctx.precision not in self.info.precisions:
            raise UsageError(f"c has no precision '{ctx.precision}' (choose {', '.join(self.info.precisions)}).")
        prefix = ctx.options.get("c_prefix", "model")
        if not (prefix.isascii() and prefix.isidentifier()):  # isidentifier alone admits non-ASCII names gcc rejects
            raise UsageError(f"--c-prefix '{prefix}' is not a C identifier (ASCII letters, digits and '_').")
        model = self.graph_for(ctx)
        checked, self._lowered = getattr(self, "_lowered", None), None
        g, io_quant = checked[1] if checked and checked[0] is model else lower.lower(model)
        limits = {**ctx.profile.budget, **{k[4:]: int(v) for k, v in ctx.options.items() if k in ("max_ram", "max_flash") and v}}
        g, p = _plan(g, ctx.options, limits.get("ram"))
        sha = hashlib.sha256(model.SerializeToString()).hexdigest()
        provenance = (f"Generated by edgecompile {__version__} (c backend) from a model with normalized sha256 "
                      f"{sha[:16]}; precision {ctx.precision}. Do not edit.")
        header, source, stats = emit.generate(g, p, prefix, provenance, io_quant, ctx.options)
        (ctx.out_dir / "model.h").write_text(header)
        (ctx.out_dir / "model.c").write_text(source)
        # the library that verification (load) runs, compiled meanwhile on another core: the same cache entry
        prebuild = threading.Thread(target=_prebuild, args=(ctx.out_dir,), daemon=True)
        prebuild.start()
        flash = size.flash_estimate(ctx.out_dir, stats["const_bytes"], ctx.options)
        prebuild.join()
        weights = [(op.source or op.kind, sum(v.nbytes for k, v in op.attrs.items() if hasattr(v, "nbytes")))
                   for op in g.ops]
        fit = budget.check(limits, p, g, flash, weights, f"{ctx.profile.name} {ctx.precision}")
        extra = {
            "prefix": prefix, "arena_bytes": p.arena_bytes,
            "whole_tensor_bound_bytes": p.lower_bound, "arena_strategy": p.strategy, "arena_candidates": p.candidates,
            "arena_overlaps": [[i, g.tensors[o].onnx_name or o, g.tensors[x].onnx_name or x, n] for i, o, x, n in p.overlaps],
            "peak_step": p.peak_step, "peak_tensors": [[g.tensors[n].onnx_name or n, b] for n, b in p.peak_tensors],
            "ops": len([o for o in g.ops if o.kind != "alias"]), "macs": stats["macs"], "const_bytes": stats["const_bytes"],
            "uses_libm": stats["libm"], "kernels": stats["kernels"], "layers": stats["layers"], "simd": bool(ctx.options.get("simd")),
            "dispatch": stats["dispatch"],
            "mcpu": ctx.options.get("mcpu"), **flash, **fit, "patch": p.patch,
        }
        if p.patch:
            from edgecompile.backends.c.patch_plan import note

            extra["build_note"] = note(p.patch)
        versions = {"cc": _gcc_version() or "none"}
        if flash.get("flash_tool"):
            versions["cross_cc"] = flash["flash_tool"]
        from edgecompile.core.graph import io_specs

        ref_in, ref_out = io_specs(ctx.model)  # the reference's layouts: callers pass the same data to both
        refs = {s.name: s for s in ref_in + ref_out}
        return CompileResult(files=list(FILES), inputs=self._specs(g, g.inputs, refs),
                             outputs=self._specs(g, g.outputs, refs),
                             tool_versions=versions, extra=extra)

    @staticmethod
    def _specs(g, names, refs) -> list[TensorSpec]:
        out = []
        for n in names:
            t = g.tensors[n]
            ref = refs.get(t.onnx_name)
            quant = t.dtype == "int8" and t.onnx_name in _quantized_io(g)
            scale, zp = (t.scale, t.zp) if quant else (None, None)
            if not quant and ref is not None and ref.dtype == t.dtype and ref.scale is not None:
                scale, zp = ref.scale, ref.zero_point  # an int8 graph's own int8 I/O (already quantized model)
            out.append(TensorSpec(t.onnx_name or n, t.shape, t.dtype, ref.layout if ref else None, scale, zp))
        return out

    def load(self, artifact):
        from edgecompile.backends.c.runner import CRunner

        return CRunner(artifact.path, artifact.manifest)


def _plan(g, options, ram: int | None = None) -> tuple:
    """The IR and memory plan: the plain one (_plan_whole), or a patch-based one (patch_plan: option `patch`,
    or when the plain arena + I/O is over `ram`)."""
    from edgecompile.backends.c import patch_plan

    want = patch_plan.mode(options.get("patch", "auto"))
    io = sum(g.tensors[n].nbytes for n in g.inputs + g.outputs)
    return patch_plan.choose(g, lambda h: _plan_whole(h, options), _plan_whole(g, options), want, ram, io)


def _plan_whole(g, options) -> tuple:
    """The IR and memory plan with the smallest arena: the graph as lowered, with depthwise convs run in place
    by rows (inplace_rows), and with residual Adds fused into convs (fuse_residual), each Add fused only if
    that shrinks the arena (a fused Add costs instructions on some layers); past fuse_residual.SEARCHED Adds or
    patch_plan.SEARCHED_OPS ops, all of them or none, so that the search stays linear."""
    from edgecompile.backends.c import fuse_residual, inplace_rows, patch_plan, planner

    inplace, overlaps = bool(options.get("inplace", True)), bool(options.get("overlap", True))

    def plan(h):
        return planner.plan(h, inplace=inplace, overlaps=overlaps)

    first = best = plan(g)
    said, candidates = [], {k: v for k, v in first.candidates.items()}
    if inplace and options.get("dw_rows", True):
        h, n = inplace_rows.apply(g)
        p = plan(h) if n else None
        if p is not None:
            candidates.update({f"{k}, {n} depthwise conv(s) in place by rows": v for k, v in p.candidates.items()})
            if p.arena_bytes < best.arena_bytes:
                g, best, said = h, p, [f"{n} depthwise conv(s) in place by rows"]
    every, n = fuse_residual.fuse(g) if inplace and options.get("fuse_add", True) else (g, 0)
    adds = [op.outputs[0] for op in every.ops if "res" in op.attrs] if n else []
    if len(adds) <= fuse_residual.SEARCHED and len(g.ops) <= patch_plan.SEARCHED_OPS:  # one at a time
        kept: set = set()
        for add in adds:
            h, n = fuse_residual.fuse(g, kept | {add})
            p = plan(h)
            candidates[", ".join([p.strategy] + said + [f"Adds fused: {', '.join(sorted(kept | {add}))}"])] = p.arena_bytes
            if p.arena_bytes < best.arena_bytes:
                kept.add(add)
                best, best_g = p, h
        if kept:
            g, said = best_g, said + [f"{len(kept)} residual Add(s) fused"]
    else:  # a large graph or many Adds: every Add fused, or none (each trial plans the whole graph)
        p = plan(every)
        what = f"{n} residual Add(s) fused (all at once: {len(g.ops):,} ops)"
        candidates[", ".join([p.strategy] + said + [what])] = p.arena_bytes
        if p.arena_bytes < best.arena_bytes:
            g, best, said = every, p, said + [what]
    best.strategy = ", ".join([best.strategy] + said)
    best.candidates = candidates
    best.lower_bound, best.peak_step, best.peak_tensors = first.lower_bound, first.peak_step, first.peak_tensors
    return g, best


def _prebuild(folder) -> None:
    from edgecompile.backends.c.runner import build_shared

    try:
        build_shared(folder)
    except EdgeCompileError:  # load() compiles again and reports it
        pass


def _quantized_io(g) -> set:
    return getattr(g, "quantized_io", set())
