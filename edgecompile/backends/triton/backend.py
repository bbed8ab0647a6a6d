"""Triton Inference Server: the artifact folder is a model repository.

    ARTIFACT/<model_name>/config.pbtxt      written through Triton's model-config schema (tritonclient)
    ARTIFACT/<model_name>/1/model.onnx      (onnxruntime, tensorrt) or model.xml + model.bin (openvino)

`tritonserver --model-repository ARTIFACT` serves it. Options (profile [options] or --option KEY=VALUE):
triton_backend, model_name, max_batch_size, dynamic_batching, preferred_batch_sizes, max_queue_delay_us,
priority_levels, default_priority_level, timeout_action, queue_timeout_us, allow_timeout_override,
max_queue_size, instance_count, instance_kind. Batching needs a dynamic batch dimension (--batch dynamic).

triton_backend=tensorrt serves model.onnx with ONNX Runtime's TensorRT accelerator, which builds the
engine on the serving GPU: a prebuilt plan file would only run on the build machine's GPU model and
TensorRT version. Here the repository's model is verified with the runtime it names on the CPU
(ONNX Runtime, OpenVINO); the TensorRT accelerator's engine is not built here (no NVIDIA GPU).
"""
from __future__ import annotations

from edgecompile.backends.base import (Backend, BackendInfo, CompileContext, CompileResult, SupportReport, Tolerance,
                                       UnsupportedNode)
from edgecompile.errors import UsageError

CONFIG = "config.pbtxt"
VERSION = "1"


class TritonBackend(Backend):
    info = BackendInfo(
        name="triton",
        summary="Triton Inference Server model repository (ONNX Runtime, OpenVINO or TensorRT backend)",
        precisions=("fp32", "fp16", "int8"),
        extra="triton",
        tolerances={
            "fp32": Tolerance(max_rel_err=1e-4),
            "fp16": Tolerance(min_cosine=0.999, min_top1=0.95),
            "int8": Tolerance(min_cosine=0.98, min_top1=0.85),
        },
        dynamic_batch=True,
    )

    def available(self):
        try:
            import tritonclient
            from tritonclient.grpc import model_config_pb2  # noqa: F401  (the schema is what we need)
        except ImportError as e:
            return False, f"tritonclient is not installed ({e})"
        return True, f"tritonclient {getattr(tritonclient, '__version__', '')}".strip()

    def check(self, model, precision="fp32") -> SupportReport:
        """The served graph runs in ONNX Runtime (or OpenVINO, which converts what ORT's table holds)."""
        from onnxruntime.capi import onnxruntime_pybind11_state as C

        kernels = {(k.domain or "ai.onnx", k.op_name) for k in C.get_all_opkernel_def()}
        report = SupportReport(self.info.name)
        for node in model.graph.node:
            if (node.domain or "ai.onnx", node.op_type) not in kernels:
                report.unsupported.append(UnsupportedNode(
                    node.op_type, node.name or "<unnamed>",
                    f"Triton's ONNX Runtime backend has no kernel for {node.domain or 'ai.onnx'}::{node.op_type}"))
        return report

    def compile(self, ctx: CompileContext) -> CompileResult:
        from edgecompile.backends.onnxruntime.backend import io_specs
        from edgecompile.backends.triton import config as tc
        from edgecompile.backends.triton import model_file
        from edgecompile.backends.triton.options import parse
        from edgecompile.passes.dynamic_batch import batch_is_dynamic

        if ctx.precision not in self.info.precisions:
            raise UsageError(f"triton has no precision '{ctx.precision}' (choose {', '.join(self.info.precisions)}).")
        opts = parse(ctx.options, batch_is_dynamic(ctx.model))
        inputs, outputs = io_specs(ctx.model)
        cfg = tc.model_config(opts, inputs, outputs, ctx.precision, int(ctx.options.get("workspace_mb", 1024)))
        text = tc.to_text(cfg)
        tc.parse_text(text)  # what we write must read back with Triton's schema
        folder = ctx.out_dir / opts.model_name
        names, versions = model_file.write(ctx, opts.triton_backend, folder / VERSION)
        (folder / CONFIG).write_text(text)
        import tritonclient

        versions["tritonclient"] = getattr(tritonclient, "__version__", "unknown")
        files = [f"{opts.model_name}/{CONFIG}"] + [f"{opts.model_name}/{VERSION}/{n}" for n in names]
        extra = {"repository": ".", "model_name": opts.model_name, "triton_backend": opts.triton_backend,
                 "model_file": f"{opts.model_name}/{VERSION}/{names[0]}", "options": vars(opts) | {
                     "preferred_batch_sizes": list(opts.preferred_batch_sizes)},
                 "serve": "tritonserver --model-repository ARTIFACT",
                 "verified_with": "OpenVINO CPU" if opts.triton_backend == "openvino" else "ONNX Runtime CPU"}
        if opts.triton_backend == "tensorrt":
            extra["engine"] = "built by ONNX Runtime's TensorRT accelerator on the serving GPU (not here)"
        return CompileResult(files=files, inputs=inputs, outputs=outputs, tool_versions=versions, extra=extra)

    def load(self, artifact):
        from edgecompile.backends.triton.runner import runner

        details = artifact.manifest["backend_details"]
        return runner(artifact.file(details["model_file"]), details["triton_backend"])
