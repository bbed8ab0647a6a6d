"""TFLite / LiteRT: ONNX -> .tflite with onnx2tf; fp32, fp16 (GPU/Metal delegates), full-integer int8.

Options (profile [options] or build(options=...)):
  io_layout = "nhwc" | "nchw"  what callers pass for 4-D inputs; nchw adds a transpose inside
  tflite_io = "int8" | "float"   int8 only: integer or float input/output tensors (default int8)
  threads   = N                  interpreter threads for load() (default: the runtime's choice)
  xnnpack_rewrites = true|false  int8: bit-exact graph rewrites XNNPACK runs faster (default true)
"""
from __future__ import annotations

import importlib.util
from collections import Counter
from pathlib import Path

import numpy as np

from edgecompile.backends.base import (Backend, BackendInfo, CompileContext, CompileResult, InspectSection, Option,
                                       SupportReport, Tolerance)
from edgecompile.errors import CalibrationError, UnsupportedOpError, UsageError

MODEL_FILE = "model.tflite"
EXTRA_HINT = "pip install 'edgecompile[tflite]'"
IO_LAYOUTS = ("nhwc", "nchw")
TFLITE_IO = ("int8", "float")


def _calibration(ctx: CompileContext, keep: set[str]) -> dict[str, np.ndarray]:
    """Calibration feeds (NCHW, reference names) stacked per input, in the TF model's input layout."""
    if not ctx.calib:
        raise CalibrationError("tflite int8 needs calibration data: pass --calib (a .npy/.npz, 'digits', or 'random').")
    out = {}
    for name in ctx.calib[0]:
        data = np.concatenate([np.asarray(f[name], dtype=np.float32) for f in ctx.calib], axis=0)
        out[name] = data.transpose(0, 2, 3, 1) if data.ndim == 4 and name not in keep else data
    return out


def channels_last_inputs(model) -> set[str]:
    """4-D inputs that are NHWC in the ONNX graph already: the tflite frontend marks them in the
    graph's metadata (a tf2onnx import keeps TFLite's layout)."""
    from edgecompile.core.graph import CHANNELS_LAST_KEY

    marked = {p.value for p in model.metadata_props if p.key == CHANNELS_LAST_KEY}
    return {n for v in marked for n in v.split(",") if n}


def _kept_inputs(model, io_layout: str) -> set[str]:
    """Inputs whose ONNX layout the .tflite keeps: 4-D ones under io_layout=nchw or already NHWC,
    and 3-D/5-D ones always (the parity check transposes 4-D tensors only)."""
    from edgecompile.core.graph import io_specs

    nhwc = channels_last_inputs(model)
    keep = set()
    for s in io_specs(model)[0]:
        if len(s.shape) == 4 and s.name in nhwc:
            if io_layout == "nchw":
                raise UsageError(f"input '{s.name}' is NHWC in the graph itself (imported from TFLite); "
                                 f"io_layout=nchw cannot apply to it. Use the default io_layout=nhwc.")
            keep.add(s.name)
        elif len(s.shape) in (3, 5) or (len(s.shape) == 4 and io_layout == "nchw"):
            keep.add(s.name)
    return keep


class TFLiteBackend(Backend):
    info = BackendInfo(
        name="tflite",
        summary="TensorFlow Lite / LiteRT via onnx2tf (CPU XNNPACK; fp16 for GPU/Metal delegates; int8)",
        precisions=("fp32", "fp16", "int8"),
        extra="tflite",
        tolerances={
            # the same float kernels in another order (XNNPACK, NHWC): a few ulp
            "fp32": Tolerance(max_rel_err=1e-4),
            # float16 weights (dequantized on the CPU; the GPU also computes in fp16): ~3 digits
            "fp16": Tolerance(min_cosine=0.999, min_top1=0.95),
            # full-integer int8 with per-channel weights: close in direction, most argmaxes kept
            "int8": Tolerance(min_cosine=0.98, min_top1=0.85),
        },
        default_profile="android-arm64",
    )
    options = (
        Option("io_layout", str, "nhwc", "layout callers pass for 4-D inputs (nhwc: TFLite's own)",
               choices=IO_LAYOUTS, flag="--io-layout"),
        Option("tflite_io", str, None, "int8 artifacts: int8 or float inputs/outputs (default int8)", choices=TFLITE_IO),
        Option("gpu_delegate", str, None, "GPU delegate the fp16 artifact is meant for (recorded in the manifest)",
               choices=("opencl", "metal")),
        Option("threads", int, None, "interpreter threads (default: LiteRT's)", minimum=1),
        Option("xnnpack_rewrites", bool, True, "int8: bit-exact graph rewrites that XNNPACK runs faster "
               "(kept only when outputs are identical)"),
    )
    # int8 comes from the TFLite converter's own calibration, not the shared range table

    def inspect_extras(self, model) -> list[InspectSection]:
        """How much of the fp16 build the TFLite GPU delegate (OpenCL/Metal) would take."""
        from edgecompile.backends.tflite.gpu_delegate import gpu_delegate_report, summary_lines

        rep = gpu_delegate_report(model, "fp16")  # what edgecompile's fp16 build would hand the delegate
        title, lines = summary_lines(rep)
        return [InspectSection("gpu_delegate", title, lines, rep)]

    def available(self):
        missing = [m for m in ("onnx2tf", "tensorflow", "tf_keras", "onnx_graphsurgeon", "sng4onnx")
                   if importlib.util.find_spec(m) is None]
        if missing:
            return False, f"{', '.join(missing)} not installed; {EXTRA_HINT}"
        from edgecompile.backends.tflite.convert import version

        return True, f"onnx2tf {version()}"

    def check(self, model, precision: str = "fp32") -> SupportReport:
        from edgecompile.backends.tflite.support import check

        return check(model, self.info.name)

    def compile(self, ctx: CompileContext) -> CompileResult:
        from edgecompile.backends.tflite import convert
        from edgecompile.backends.tflite.flatbuffer import read_ops
        from edgecompile.backends.tflite.iospec import tflite_io
        from edgecompile.core.graph import seeded_inputs

        if ctx.precision not in self.info.precisions:
            raise UsageError(f"tflite has no precision '{ctx.precision}' (choose {', '.join(self.info.precisions)}).")
        io_layout = ctx.options.get("io_layout", "nhwc")
        io_type = ctx.options.get("tflite_io") or ("int8" if ctx.precision == "int8" else "float")
        if ctx.precision != "int8" and io_type == "int8":
            raise UsageError("tflite_io=int8 needs precision int8; fp32/fp16 artifacts have float inputs and outputs.")
        if ctx.precision == "int8" and getattr(ctx.ranges, "keep_float", None):
            # the TFLite converter calibrates itself and has no per-layer float fallback to drive
            raise UnsupportedOpError("tflite int8 cannot keep chosen layers in float (accuracy guard); "
                                     "use fp16, or int8 without --max-accuracy-drop/--min-cosine.")
        keep = _kept_inputs(ctx.model, io_layout)
        from edgecompile.core.graph import io_specs
        from edgecompile.backends.tflite.passthrough import usable_source

        original = usable_source(ctx.source, ctx.precision, io_type, io_specs(ctx.model)[0])
        variant = {"fp32": "fp32", "fp16": "fp16"}.get(ctx.precision) or ("int8" if io_type == "int8" else "int8-float-io")
        if original is not None:
            (ctx.out_dir / MODEL_FILE).write_bytes(original)
        else:
            _convert(ctx, keep, variant)
        path = ctx.out_dir / MODEL_FILE
        rewrites = []
        if ctx.precision == "int8" and ctx.options.get("xnnpack_rewrites", True):
            from edgecompile.backends.tflite.rewrite.pipeline import rewrite

            rewrites = rewrite(path)
        ops = read_ops(path)
        custom = sorted({op.name for op in ops if op.custom})
        if custom:
            raise UnsupportedOpError(f"tflite: onnx2tf fell back to TensorFlow (Flex/custom) ops {custom}, "
                                     f"which LiteRT's builtin runtime cannot run.")
        sample = (ctx.calib or seeded_inputs(ctx.model, 1))[0]
        inputs, outputs, names = tflite_io(path, ctx.model, keep, sample)
        extra = {
            "converter": (f"none: the source .tflite{' as-is' if not rewrites else ''} (its own kernels and scales)"
                          if original is not None else f"onnx2tf ({convert.VARIANTS[variant]} variant)"),
            "io_layout": io_layout,
            "tensor_names": names,
            "tflite_ops": dict(sorted(Counter(op.name for op in ops).items())),
        }
        if rewrites:  # bit-exact against the flatbuffer before them (rewrite/pipeline.py)
            extra["xnnpack_rewrites"] = rewrites
        if ctx.precision == "int8" and original is not None:
            extra["tflite_io"] = io_type
            extra["quantization"] = {"scheme": "the source model's own (already quantized)"}
        elif ctx.precision == "int8":
            extra["tflite_io"] = io_type
            extra["quantization"] = {"scheme": "full-integer", "weights": "int8 per-channel symmetric",
                                     "activations": "int8 per-tensor", "calibration_samples": len(ctx.calib),
                                     # TFLite's converter measures its own min/max on these feeds
                                     "ranges": "TFLite converter calibration (not the shared range table)"}
        if ctx.precision == "fp16":
            from edgecompile.backends.tflite.gpu_delegate import report_ops

            extra["gpu_delegate"] = report_ops(ops)
            if ctx.options.get("gpu_delegate"):
                extra["gpu_delegate"]["delegate"] = ctx.options["gpu_delegate"]
        return CompileResult([MODEL_FILE], inputs, outputs, _versions(), extra)

    def load(self, artifact):
        from edgecompile.backends.tflite.runner import TFLiteRunner

        threads = artifact.manifest.get("options", {}).get("threads")
        return TFLiteRunner(artifact.file(MODEL_FILE), artifact.manifest["backend_details"]["tensor_names"],
                            artifact.inputs, artifact.outputs, threads)


def _convert(ctx: CompileContext, keep: set[str], variant: str) -> None:
    """ONNX -> .tflite with onnx2tf (int8: the converter calibrates on ctx.calib) into ctx.out_dir."""
    import onnx

    from edgecompile.backends.tflite import convert

    if ctx.precision == "int8" and not ctx.calib and ctx.prequantized:
        raise UnsupportedOpError("tflite int8 of an already-quantized graph keeps the source's own .tflite; this "
                                 "source is not a full-int8 .tflite of the same shapes. Pass --calib to quantize "
                                 "the float model with the TFLite converter, or use onnxruntime/openvino/c for int8.")
    calib = _calibration(ctx, keep) if ctx.precision == "int8" else None
    from edgecompile.staging import scratch_dir

    with scratch_dir("tflite") as tmp:
        src = Path(tmp) / "model.onnx"
        onnx.save(ctx.model, str(src))
        files = convert.run(convert.Request(src, Path(tmp) / "out", tuple(sorted(keep)), calib))
        if variant not in files:
            raise CalibrationError(f"onnx2tf wrote no {convert.VARIANTS[variant]} model; int8 conversion failed.")
        (ctx.out_dir / MODEL_FILE).write_bytes(files[variant])


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    from edgecompile.backends.tflite.runner import runtime_version

    out = {}
    for pkg in ("onnx2tf", "tensorflow", "tf2onnx"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            pass
    rt, v = runtime_version()
    out[f"runtime:{rt}"] = v
    return out
