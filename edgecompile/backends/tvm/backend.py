"""Apache TVM (Relax, 0.27): ONNX -> Relax -> LLVM shared library, run by the Relax VM.

The artifact is one shared library, model.so: TVM's export_library packs the compiled kernels and
the Relax VM executable (bytecode + constants, i.e. the weights) into it. Running it needs only the
TVM runtime on the device: `tvm.runtime.load_module("model.so")` + `relax.VirtualMachine(..)["main"]`
with the inputs in the manifest's order. A profile with `mtriple` cross-compiles (e.g. aarch64 for a
Raspberry Pi 4); such an artifact cannot run here and `load` raises CannotRunHereError, which the
build driver records as a skipped verification.

Precisions: fp32; fp16 = Relax ToMixedPrecision (conv/matmul read float16 weights and activations,
accumulate in float32, graph I/O stays float32). No int8: Relax's ONNX frontend lowers
QuantizeLinear/DequantizeLinear to float arithmetic, so an int8 artifact would be fake-quantized
float, slower and no smaller in compute than fp32.
"""
from __future__ import annotations

from edgecompile.backends.base import (Backend, BackendInfo, CompileContext, CompileResult, Option, SupportReport,
                                       Tolerance, UnsupportedNode)
from edgecompile.backends.runner_io import RunnerIO
from edgecompile.errors import CannotRunHereError, MissingExtraError, UsageError

LIBRARY = "model.so"
ENTRY = "main"


def _tvm():
    try:
        import tvm
        from tvm import relax  # noqa: F401  (Relax is what we need, not just the package)
    except ImportError as e:
        raise MissingExtraError("tvm", "tvm", str(e)) from e
    return tvm


class TvmRunner(RunnerIO):
    def __init__(self, path, inputs, outputs, threads: int | None = None):
        super().__init__(inputs, outputs)
        tvm = _tvm()
        from tvm import relax

        if threads:  # the runtime's pool: set before the first call spawns it
            tvm.get_global_func("runtime.config_threadpool")(1, int(threads))
        self.vm = relax.VirtualMachine(tvm.runtime.load_module(str(path)), tvm.cpu())
        self.main = self.vm[ENTRY]
        self.tensor = tvm.runtime.tensor
        self._out_names = [s.name for s in self.outputs]

    def run(self, feeds):
        self.check(feeds)
        out = self.main(*[self.tensor(feeds[s.name]) for s in self.inputs])
        outs = [out] if hasattr(out, "numpy") else list(out)  # one output: a tensor; several: a tuple
        return {n: o.numpy() for n, o in zip(self._out_names, outs)}


class TvmBackend(Backend):
    info = BackendInfo(
        name="tvm",
        summary="Apache TVM Relax -> LLVM shared library (x86-64 host, aarch64 cross)",
        precisions=("fp32", "fp16"),
        extra="tvm",
        tolerances={
            # same fp32 math, other kernels and summation order: a few ulp
            "fp32": Tolerance(max_rel_err=1e-4),
            # float16 operands with float32 accumulation: measured rel 4e-4 (digits) .. 2e-3
            # (ResNet-8), cosine > 0.99999; bound the direction and class decisions, not values
            "fp16": Tolerance(min_cosine=0.999, min_top1=0.95),
        },
        default_profile="x86-64-tvm",
    )
    options = (
        Option("mcpu", str, None, "LLVM CPU; unset or 'native' = the building host's CPU"),
        Option("mtriple", str, None, "LLVM target triple for a cross build, e.g. aarch64-linux-gnu"),
        Option("num_cores", int, None, "cores the schedules (and MetaSchedule tuning) may use", minimum=1),
        Option("cross_compiler", str, None, "C compiler that links a cross build (default <mtriple>-gcc)"),
        Option("conv_layout", str, "NCHW", "internal convolution layout (graph I/O unchanged)", choices=("NCHW", "NHWC")),
        Option("tune_trials", int, 0, "MetaSchedule tuning trials (0 = off); the tuning log is cached by model hash",
               flag="--tune-trials", minimum=0),
        Option("threads", int, None, "runtime thread-pool size (default: host profile's, else TVM's)", minimum=1),
    )

    def available(self):
        try:
            import tvm
            from tvm.relax.frontend.onnx import from_onnx  # noqa: F401
        except ImportError as e:
            return False, f"apache-tvm (with Relax) is not installed ({e})"
        return True, tvm.__version__

    def check(self, model, precision="fp32") -> SupportReport:
        """Against the Relax ONNX frontend's converter table."""
        _tvm()
        from tvm.relax.frontend.onnx import onnx_frontend

        report = SupportReport(self.info.name)
        table = set(onnx_frontend._get_convert_map())  # private, but it is the frontend's own op table
        for node in model.graph.node:
            if node.op_type not in table or node.domain not in ("", "ai.onnx", "com.microsoft"):
                report.unsupported.append(UnsupportedNode(
                    node.op_type, node.name or "<unnamed>",
                    f"TVM's Relax ONNX frontend has no converter for {node.domain or 'ai.onnx'}::{node.op_type}"))
        return report

    def compile(self, ctx: CompileContext) -> CompileResult:
        from edgecompile.core.graph import io_specs
        from edgecompile.backends.tvm import target as tgt

        tvm = _tvm()
        from tvm import relax
        from tvm.relax.frontend.onnx import from_onnx

        if ctx.precision not in self.info.precisions:
            raise UsageError(f"tvm has no precision '{ctx.precision}' (choose {', '.join(self.info.precisions)}); "
                             f"its ONNX frontend runs int8 QDQ as float arithmetic.")
        trials = ctx.options.get("tune_trials", 0)
        d = tgt.target_dict({**ctx.options, **({"num_cores": tgt.host_cores(ctx.options)} if trials else {})})
        target = tgt.make_target(d)
        fcompile, cc = tgt.cross_compiler(ctx.options, d)
        inputs, outputs = io_specs(ctx.model)
        mod = from_onnx(ctx.model, shape_dict={s.name: list(s.shape) for s in inputs})
        extra: dict = {"target": d, "entry": ENTRY, "library": LIBRARY, "input_order": [s.name for s in inputs],
                       "runtime": f"TVM runtime {tvm.__version__} with the Relax VM"}
        layout = ctx.options.get("conv_layout", "NCHW")
        if layout == "NHWC":  # untuned default schedules: channels-last + HWIO weights vectorize better
            mod = relax.transform.ConvertLayout({"relax.nn.conv2d": ["NHWC", "HWIO"]})(mod)
        extra["conv_layout"] = layout
        if ctx.precision == "fp16":
            mod = relax.transform.ToMixedPrecision(out_dtype="float32")(mod)
            extra["fp16"] = "ToMixedPrecision: float16 operands, float32 accumulation, float32 graph I/O"
        if trials:
            from edgecompile.backends.tvm.tune import tune

            mod, extra["tuning"] = tune(mod, target, d, trials, ctx.model.SerializeToString(), ctx.precision,
                                        {"conv_layout": layout})
        else:
            extra["tuning"] = None  # default schedules: see benchmarks/backends_latency.py for what that costs
        ex = tvm.compile(mod, target=target)
        lib = ctx.out_dir / LIBRARY
        if fcompile is not None:
            ex.export_library(str(lib), fcompile=fcompile)
            extra["cross_compiler"] = cc
        else:
            ex.export_library(str(lib))
        return CompileResult(files=[LIBRARY], inputs=inputs, outputs=outputs,
                             tool_versions={"tvm": tvm.__version__}, extra=extra)

    def load(self, artifact):
        from edgecompile.backends.tvm import target as tgt

        d = (artifact.manifest.get("backend_details") or {}).get("target") or {}
        if tgt.is_cross(d):
            raise CannotRunHereError(
                f"{artifact.target} {artifact.precision}: built for {d['mtriple']} ({d.get('mcpu')}); this host cannot run it. "
                f"Copy {LIBRARY} to the device and load it with TVM's runtime there.")
        threads = artifact.manifest.get("options", {}).get("threads")
        return TvmRunner(artifact.file(LIBRARY), artifact.inputs, artifact.outputs, threads)
