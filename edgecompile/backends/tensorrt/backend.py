"""NVIDIA TensorRT, in two parts, because an engine is tied to one GPU model and TensorRT version.

Portable part, built anywhere: model.onnx, the TensorRT-ready graph (fp32; fp16 weights and
activations with float32 I/O; int8 as explicit quantization: QDQ with symmetric s8 activations, zero
point 0, per-channel s8 weights, float biases, from the shared range table), engine_config.json with
the exact builder settings (precision flags, optimization profile for a dynamic batch, workspace limit
from the profile) and build_engine.py, a standalone script that builds the engine from them. compile
checks model.onnx with ONNX Runtime (the stand-in) against the fp32 graph (manifest: stand_in_parity),
and the manifest says the engine is not built; `load` then refuses (CannotRunHereError: the build records
the engine's parity as not run here), so no benchmark ever times the stand-in as if it were TensorRT.

Device part: `edgecompile device-build ARTIFACT` on a machine with TensorRT and an NVIDIA GPU builds
model.engine (plus timing.cache and engine_info.json: GPU, compute capability, TensorRT version),
checks its parity against ONNX Runtime on model.onnx and adds all that to the manifest. Loading an
engine on another GPU or TensorRT version raises EngineMismatchError.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from edgecompile.backends.base import Backend, BackendInfo, CompileContext, CompileResult, Tolerance
from edgecompile.core import flavor
from edgecompile.core.options import BATCH, Option
from edgecompile.errors import CalibrationError, CannotRunHereError, UsageError

VERIFY_SAMPLES = 16

from edgecompile.backends.tensorrt.names import CONFIG, ENGINE, INFO, NOT_BUILT, ONNX_FILE, SCRIPT, TIMING_CACHE


def _trt_version() -> str | None:
    try:
        import tensorrt
        return tensorrt.__version__
    except ImportError:  # the PyPI stub, or not installed: the portable part needs neither
        return None


class TensorRTBackend(Backend):
    info = BackendInfo(
        name="tensorrt",
        summary="NVIDIA TensorRT: TensorRT-ready ONNX + engine build script; engine built on the GPU",
        precisions=("fp32", "fp16", "int8"),
        extra=None,  # the portable part needs only ONNX Runtime; the device needs TensorRT itself
        tolerances={
            "fp32": Tolerance(max_rel_err=1e-4),
            "fp16": Tolerance(min_cosine=0.999, min_top1=0.95),
            "int8": Tolerance(min_cosine=0.98, min_top1=0.85),
        },
        default_profile="datacenter-gpu",
    )
    options = (
        BATCH,
        Option("workspace_mb", int, 1024, "builder workspace limit in MiB", minimum=16),
        Option("builder_optimization_level", int, 3, "TensorRT builder optimization level 0..5", minimum=0),
        Option("min_batch", int, 1, "optimization profile: smallest batch (dynamic batch only)", minimum=1),
        Option("opt_batch", int, 1, "optimization profile: the batch TensorRT tunes for", minimum=1),
        Option("max_batch", int, 8, "optimization profile: largest batch", minimum=1),
    )
    int8_flavor = flavor.TENSORRT  # explicit quantization: symmetric s8, zero point 0, float biases

    def available(self):
        version = _trt_version()
        return True, (f"TensorRT {version}" if version else "portable part (engine built on the device)")

    def check(self, model, precision="fp32"):
        from edgecompile.backends.tensorrt.support import check

        return check(model)

    def compile(self, ctx: CompileContext) -> CompileResult:
        import json

        import onnx
        import onnxruntime

        from edgecompile.backends.tensorrt import stand_in
        from edgecompile.backends.tensorrt.engine_config import engine_config
        from edgecompile.core.graph import io_specs, seeded_inputs

        if ctx.precision not in self.info.precisions:
            raise UsageError(f"tensorrt has no precision '{ctx.precision}' (choose {', '.join(self.info.precisions)}).")
        inputs, outputs = io_specs(ctx.model)
        cfg = engine_config(ctx.precision, inputs, ctx.options, ONNX_FILE, ENGINE, TIMING_CACHE)
        model = _graph(ctx)
        model.producer_name, model.producer_version = "edgecompile", ""
        samples = list(ctx.calib or [])[:VERIFY_SAMPLES] or seeded_inputs(ctx.model, VERIFY_SAMPLES)
        checked = stand_in.check(ctx.model, model, samples, self.info.tolerances[ctx.precision],
                                 f"{ctx.profile.name} {ctx.precision}")
        onnx.save(model, str(ctx.out_dir / ONNX_FILE))
        (ctx.out_dir / CONFIG).write_text(json.dumps(cfg, indent=2, sort_keys=True) + "\n")
        shutil.copyfile(Path(__file__).with_name(SCRIPT), ctx.out_dir / SCRIPT)
        versions = {"onnx": onnx.__version__, "onnxruntime (stand-in)": onnxruntime.__version__}
        if _trt_version():
            versions["tensorrt"] = _trt_version()
        extra = {"engine": NOT_BUILT, "engine_config": cfg, "stand_in_parity": checked,
                 "finish_on_device": f"edgecompile device-build ARTIFACT  (or: python3 {SCRIPT})",
                 "graph": {"fp32": "float32", "fp16": "float16 weights and activations, float32 I/O",
                           "int8": "explicit QDQ (tensorrt flavor)"}[ctx.precision]}
        return CompileResult(files=[ONNX_FILE, CONFIG, SCRIPT], inputs=inputs, outputs=outputs,
                             tool_versions=versions, extra=extra)

    def load(self, artifact):
        from edgecompile.backends.tensorrt.runner import EngineRunner, check_engine

        if not (artifact.path / INFO).is_file():
            raise CannotRunHereError(
                f"{artifact.target} {artifact.precision}: engine {NOT_BUILT}; model.onnx was checked with ONNX "
                f"Runtime as the stand-in (stand_in_parity in the manifest). Finish it on the GPU machine: "
                f"edgecompile device-build ARTIFACT")
        check_engine(artifact.path, INFO, ENGINE)
        return EngineRunner(artifact.file(ENGINE))

    def device_build(self, artifact) -> dict:
        """On the GPU machine: build the engine, check parity, complete the manifest."""
        from edgecompile.backends.tensorrt.device import device_build

        return device_build(artifact)


def _graph(ctx):
    """The TensorRT-ready ONNX for ctx.precision."""
    if ctx.precision == "fp16":
        from onnxruntime.transformers.float16 import convert_float_to_float16

        return convert_float_to_float16(ctx.model, keep_io_types=True)
    if ctx.precision == "int8":
        from edgecompile.quant.qdq import is_quantized, quantize

        if is_quantized(ctx.model):  # prequantized: support.check already refused non-zero zero points
            return ctx.model
        if ctx.ranges is None:
            raise CalibrationError("tensorrt int8 needs calibration data: pass --calib (a .npy/.npz, 'digits', or 'random').")
        return quantize(ctx.model, ctx.ranges, flavor.TENSORRT)
    return ctx.model
