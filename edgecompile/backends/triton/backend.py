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
from edgecompile.backends.triton.options import INSTANCE_KINDS, TIMEOUT_ACTIONS, TRITON_BACKENDS
from edgecompile.core import flavor
from edgecompile.core.options import BATCH, Option
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
    )
    options = (
        BATCH,
        Option("triton_backend", str, "onnxruntime", "the Triton backend that serves the model",
               choices=TRITON_BACKENDS, flag="--triton-backend"),
        Option("model_name", str, "model", "the model's folder in the repository and the name clients call"),
        Option("max_batch_size", int, None, "largest batch Triton forms (default 8 with a dynamic batch, else 0)",
               minimum=0),
        Option("dynamic_batching", bool, None, "merge requests into batches (default: on when max_batch_size > 0)"),
        Option("preferred_batch_sizes", str, "", "comma-separated batch sizes the scheduler tries to form"),
        Option("max_queue_delay_us", int, 100, "how long a request may wait for a batch to fill", minimum=0),
        Option("priority_levels", int, 0, "request priority levels (0 = one queue)", minimum=0),
        Option("default_priority_level", int, None, "priority of requests that name none", minimum=1),
        Option("timeout_action", str, "REJECT", "what happens to a request past its queue timeout",
               choices=TIMEOUT_ACTIONS),
        Option("queue_timeout_us", int, 0, "default queue timeout per request (0 = none)", minimum=0),
        Option("allow_timeout_override", bool, False, "requests may set their own timeout"),
        Option("max_queue_size", int, 0, "requests queued before new ones are rejected (0 = unbounded)", minimum=0),
        Option("instance_count", int, 1, "model instances per device", minimum=1),
        Option("instance_kind", str, None, "cpu, gpu or auto (default: gpu for tensorrt, else cpu)",
               choices=INSTANCE_KINDS),
        Option("workspace_mb", int, 1024, "tensorrt: the TensorRT accelerator's workspace in MiB", minimum=16),
    )
    int8_flavor = flavor.S8  # the onnxruntime backend's; openvino and tensorrt models take theirs (model_file.py)

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
        from edgecompile.backends.triton import config as tc
        from edgecompile.backends.triton import model_file
        from edgecompile.backends.triton.options import parse
        from edgecompile.core.graph import io_specs

        if ctx.precision not in self.info.precisions:
            raise UsageError(f"triton has no precision '{ctx.precision}' (choose {', '.join(self.info.precisions)}).")
        inputs, outputs = io_specs(ctx.model)
        opts = parse(ctx.options, all(s.shape and s.shape[0] == -1 for s in inputs))
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
