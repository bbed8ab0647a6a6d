"""ONNX Runtime on the CPU: the reference runtime, and a deployable target in its own right.

fp32 saves ORT's offline-optimized graph; fp16 converts weights and activations to float16
with float32 kept at the graph boundary; int8 is static QDQ quantization on calibration data.
"""
from __future__ import annotations

from pathlib import Path

from edgecompile.backends.base import (Backend, BackendInfo, CompileContext, CompileResult, Option, SupportReport,
                                       Tolerance, UnsupportedNode)
from edgecompile.backends.runner_io import RunnerIO
from edgecompile.core import flavor
from edgecompile.core.options import BATCH
from edgecompile.errors import CalibrationError, UsageError

MODEL_FILE = "model.onnx"


def session(path: Path, optimize: bool = True, threads: int | None = None):
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    if threads:
        opts.intra_op_num_threads = threads
    if not optimize:
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


class OrtRunner(RunnerIO):
    def __init__(self, path: Path, inputs, outputs, threads: int | None = None):
        super().__init__(inputs, outputs)
        self.sess = session(path, threads=threads)
        self.names = [o.name for o in self.sess.get_outputs()]
        self._run = self.sess._sess.run  # the binding itself: the Python wrapper re-checks what check() did

    def run(self, feeds):
        self.check(feeds)
        return dict(zip(self.names, self._run(self.names, feeds, None)))


class OnnxRuntimeBackend(Backend):
    info = BackendInfo(
        name="onnxruntime",
        summary="ONNX Runtime CPU (the reference runtime)",
        precisions=("fp32", "fp16", "int8"),
        extra=None,
        tolerances={
            "fp32": Tolerance(max_rel_err=1e-4),
            # fp16 keeps ~3 significant digits; class decisions must survive it
            "fp16": Tolerance(min_cosine=0.999, min_top1=0.95),
            # static int8 of small CNNs: outputs close in direction, most argmaxes kept
            "int8": Tolerance(min_cosine=0.98, min_top1=0.85),
        },
    )
    options = (Option("threads", int, None, "intra-op threads when loaded (default: ONNX Runtime's)", minimum=1),
               BATCH)
    int8_flavor = flavor.S8

    def available(self):
        try:
            import onnxruntime
        except ImportError as e:  # a core dependency, but say so plainly if it is broken
            return False, f"onnxruntime does not import ({e}); reinstall edgecompile"
        return True, onnxruntime.__version__

    def check(self, model, precision="fp32") -> SupportReport:
        """Against ORT's own table of registered CPU kernels."""
        from onnxruntime.capi import onnxruntime_pybind11_state as C

        kernels = {(k.domain or "ai.onnx", k.op_name) for k in C.get_all_opkernel_def()
                   if k.provider == "CPUExecutionProvider"}
        report = SupportReport(self.info.name)
        for node in model.graph.node:
            if (node.domain or "ai.onnx", node.op_type) not in kernels:
                report.unsupported.append(UnsupportedNode(
                    node.op_type, node.name or "<unnamed>",
                    f"ONNX Runtime's CPU provider has no kernel for {node.domain or 'ai.onnx'}::{node.op_type}"))
        return report

    def compile(self, ctx: CompileContext) -> CompileResult:
        from edgecompile.backends.onnxruntime import precision as prec

        if ctx.precision not in self.info.precisions:
            raise UsageError(f"onnxruntime has no precision '{ctx.precision}' (choose {', '.join(self.info.precisions)}).")
        if ctx.precision == "int8" and not ctx.calib and not ctx.prequantized:
            raise CalibrationError("onnxruntime int8 needs calibration data: pass --calib (a .npy/.npz, 'digits', or 'random').")
        model = {"fp32": prec.as_fp32, "fp16": prec.as_fp16, "int8": prec.as_int8}[ctx.precision](ctx)
        out = ctx.out_dir / MODEL_FILE
        prec.optimize_offline(model, out)
        import onnx
        import onnxruntime

        from edgecompile.core.graph import io_specs

        inputs, outputs = io_specs(model)  # ORT's saved graph drops metadata; the interface is unchanged
        return CompileResult(
            files=[MODEL_FILE],
            inputs=inputs,
            outputs=outputs,
            tool_versions={"onnxruntime": onnxruntime.__version__, "onnx": onnx.__version__},
            extra={"graph_optimization": "ORT_ENABLE_EXTENDED (saved offline)"},
        )

    def load(self, artifact):
        return OrtRunner(artifact.file(MODEL_FILE), artifact.inputs, artifact.outputs,
                         artifact.manifest.get("options", {}).get("threads"))
