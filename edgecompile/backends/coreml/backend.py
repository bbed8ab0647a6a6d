"""Apple Core ML: an ML program (model.mlpackage) for iPhone, iPad and Mac.

The normalized ONNX graph becomes a torch.nn module (onnx_to_torch.py, checked against ONNX Runtime
to 1e-5), which coremltools traces and converts to an ML program: fp16 compute by default, fp32, or
int8 weights (per-channel symmetric, coremltools.optimize) over fp16 compute; int8 activations from the
calibration data only where Core ML can predict (macOS). Compute units and the deployment target come
from the profile (ios-coreml: the Neural Engine; macos-coreml: all units).

Linux cannot run Core ML models. What is verified here: the package loads back, its input/output
names, shapes and types are the manifest's, and the manifest reports its op histogram and weight
bytes. `load` on macOS predicts with coremltools; elsewhere it raises CannotRunHereError, which the
build records as a skipped parity check with that reason.
"""
from __future__ import annotations

import sys

import numpy as np

from edgecompile.backends.base import (Backend, BackendInfo, CompileContext, CompileResult, InspectSection,
                                       SupportReport, Tolerance, UnsupportedNode)
from edgecompile.backends.coreml.mlpackage import COMPUTE_UNITS, TARGETS
from edgecompile.core.options import Option
from edgecompile.errors import CannotRunHereError, MissingExtraError, UsageError

PACKAGE = "model.mlpackage"
VERIFY_SAMPLES = 16


class CoreMLRunner:
    def __init__(self, path, units: str):
        import coremltools as ct

        self.model = ct.models.MLModel(str(path), compute_units=getattr(ct.ComputeUnit, units))

    def run(self, feeds):
        return {k: np.asarray(v) for k, v in self.model.predict(feeds).items()}


class CoreMLBackend(Backend):
    info = BackendInfo(
        name="coreml",
        summary="Apple Core ML ML program (.mlpackage) via coremltools; runs on macOS/iOS only",
        precisions=("fp16", "fp32", "int8"),
        extra="coreml",
        tolerances={
            "fp32": Tolerance(max_rel_err=1e-4),
            "fp16": Tolerance(min_cosine=0.999, min_top1=0.95),
            "int8": Tolerance(min_cosine=0.98, min_top1=0.85),
        },
        default_profile="ios-coreml",
    )
    options = (
        Option("compute_units", str, "ALL", "where Core ML may run the model", choices=COMPUTE_UNITS),
        Option("deployment_target", str, "iOS16", "oldest OS the package loads on", choices=TARGETS),
    )
    int8_flavor = None  # int8 weights come from coremltools' own quantizer, not the shared range table

    def available(self):
        from edgecompile.core.quiet import quiet

        try:
            with quiet():  # coremltools' import prints version notices and macOS-only proxy failures
                import coremltools
            import torch  # noqa: F401  (the converter traces a torch module)
        except ImportError as e:
            return False, f"coremltools (and torch) are not installed ({e})"
        return True, coremltools.__version__

    def check(self, model, precision="fp16") -> SupportReport:
        """What the ONNX -> PyTorch converter takes (coremltools converts every op it emits)."""
        from edgecompile.backends.coreml.onnx_to_torch import unsupported

        report = SupportReport(self.info.name)
        report.unsupported = [UnsupportedNode(op, name, why) for op, name, why in unsupported(model)]
        return report

    def inspect_extras(self, model) -> list[InspectSection]:
        """How much of the graph Core ML takes: one ML program, or the nodes the converter cannot take."""
        from edgecompile.backends.coreml.onnx_to_torch import unsupported

        missing = unsupported(model)
        total = sum(1 for n in model.graph.node if n.op_type != "Constant")
        data = {"nodes_total": total, "nodes_taken": total - len({name for _, name, _ in missing}),
                "unsupported": [{"op": op, "node": name, "reason": why} for op, name, why in missing]}
        title = (f"Core ML (ML program): {data['nodes_taken']}/{total} ONNX nodes"
                 + (" in one program; Core ML splits it across Neural Engine, GPU and CPU on the device"
                    if not missing else "; it cannot take:"))
        return [InspectSection("coreml", title, [f"  {op} ({name}): {why}" for op, name, why in missing], data)]

    def compile(self, ctx: CompileContext) -> CompileResult:
        from edgecompile.backends.coreml import mlpackage
        from edgecompile.backends.coreml.onnx_to_torch import convert
        from edgecompile.backends.coreml.spec_report import report
        from edgecompile.core.graph import io_specs, seeded_inputs

        try:
            import coremltools as ct
            import torch
        except ImportError as e:
            raise MissingExtraError("coreml", "coreml", str(e)) from e
        if ctx.precision not in self.info.precisions:
            raise UsageError(f"coreml has no precision '{ctx.precision}' (choose {', '.join(self.info.precisions)}).")
        units, target = ctx.options.get("compute_units", "ALL"), ctx.options.get("deployment_target", "iOS16")
        inputs, outputs = io_specs(ctx.model)
        if any(d < 1 for s in inputs for d in s.shape):
            raise UsageError("coreml: the model has a dynamic dimension; Core ML packages here have fixed shapes.")
        samples = list(ctx.calib or [])[:VERIFY_SAMPLES] or seeded_inputs(ctx.model, VERIFY_SAMPLES)
        module, _, _, torch_parity = convert(ctx.model, samples)
        mlmodel = mlpackage.convert(module, inputs, outputs, ctx.precision, units, target)
        extra = {"compute_units": units, "deployment_target": target, "onnx_to_torch_parity": torch_parity,
                 "compute_precision": mlpackage.PRECISION[ctx.precision].lower()}
        if ctx.precision == "int8":
            mlmodel, extra["int8"] = mlpackage.quantize_int8(mlmodel, list(ctx.calib or [])[:64])
        files = mlpackage.save(mlmodel, ctx.out_dir / PACKAGE)
        extra["spec"] = report(ctx.out_dir / PACKAGE, inputs, outputs)
        extra["parity_note"] = "Core ML predicts only on macOS/iOS: run `edgecompile bench ARTIFACT` on a Mac"
        return CompileResult(files=files, inputs=inputs, outputs=outputs,
                             tool_versions={"coremltools": ct.__version__, "torch": torch.__version__}, extra=extra)

    def load(self, artifact):
        if sys.platform != "darwin":
            raise CannotRunHereError(
                f"{artifact.target} {artifact.precision}: Core ML models run only on macOS/iOS (coremltools: "
                f"'Model prediction is only supported on macOS'); the package was checked without running it "
                f"(loads back, interface matches the manifest). Verify on a Mac: edgecompile bench ARTIFACT --remote user@mac.")
        units = (artifact.manifest.get("backend_details") or {}).get("compute_units", "ALL")
        return CoreMLRunner(artifact.file(PACKAGE), units)

