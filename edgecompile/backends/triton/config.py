"""config.pbtxt through Triton's own model-config schema (tritonclient's model_config_pb2), so a field
Triton does not know cannot be written and the text is what Triton's parser reads."""
from __future__ import annotations

from edgecompile.backends.triton.options import TritonOptions
from edgecompile.errors import MissingExtraError, UsageError

DTYPES = {"float32": "TYPE_FP32", "float16": "TYPE_FP16", "int8": "TYPE_INT8", "uint8": "TYPE_UINT8",
          "int32": "TYPE_INT32", "int64": "TYPE_INT64", "bool": "TYPE_BOOL", "float64": "TYPE_FP64"}
# Triton's backend/platform per --triton-backend, and the model file in the version folder
SERVED_BY = {"onnxruntime": ("platform", "onnxruntime_onnx", "model.onnx"),
             "openvino": ("backend", "openvino", "model.xml"),
             "tensorrt": ("platform", "onnxruntime_onnx", "model.onnx")}
TRT_PRECISION = {"fp32": "FP32", "fp16": "FP16", "int8": "INT8"}


def schema():
    try:
        from tritonclient.grpc import model_config_pb2
    except ImportError as e:
        raise MissingExtraError("triton", "triton", f"tritonclient does not import: {e}") from e
    return model_config_pb2


def model_config(opts: TritonOptions, inputs, outputs, precision: str, workspace_mb: int = 1024):
    """A ModelConfig message for the model's TensorSpecs (batch dimension dropped when Triton batches)."""
    mc = schema()
    key, value, filename = SERVED_BY[opts.triton_backend]
    cfg = mc.ModelConfig(name=opts.model_name, max_batch_size=opts.max_batch_size, default_model_filename=filename)
    setattr(cfg, key, value)
    for specs, field in ((inputs, cfg.input), (outputs, cfg.output)):
        for s in specs:
            if s.dtype not in DTYPES:
                raise UsageError(f"triton: tensor '{s.name}' has dtype {s.dtype}, which Triton has no type for.")
            dims = list(s.shape[1:]) if opts.max_batch_size > 0 else list(s.shape)
            field.add(name=s.name, data_type=mc.DataType.Value(DTYPES[s.dtype]), dims=dims)
    if opts.dynamic_batching:
        db = cfg.dynamic_batching
        db.preferred_batch_size.extend(opts.preferred_batch_sizes)
        db.max_queue_delay_microseconds = opts.max_queue_delay_us
        if opts.priority_levels:
            db.priority_levels, db.default_priority_level = opts.priority_levels, opts.default_priority_level
        policy = db.default_queue_policy
        policy.timeout_action = mc.ModelQueuePolicy.TimeoutAction.Value(opts.timeout_action)
        policy.default_timeout_microseconds = opts.queue_timeout_us
        policy.allow_timeout_override = opts.allow_timeout_override
        policy.max_queue_size = opts.max_queue_size
    cfg.instance_group.add(count=opts.instance_count,
                           kind=mc.ModelInstanceGroup.Kind.Value(f"KIND_{opts.instance_kind.upper()}"))
    if opts.triton_backend == "openvino":
        # the CPU plugin would pick bf16 on CPUs that have it; fp16 artifacts are fp16-compressed weights
        # computed in f32, which is what edgecompile verified (the backend hands parameters to compile_model)
        cfg.parameters["INFERENCE_PRECISION_HINT"].string_value = "f32"
    if opts.triton_backend == "tensorrt":
        # ONNX Runtime's TensorRT accelerator builds the engine on the serving GPU at load time (and caches it):
        # a prebuilt plan would be tied to the GPU model and TensorRT version of the build machine.
        acc = cfg.optimization.execution_accelerators.gpu_execution_accelerator.add(name="tensorrt")
        acc.parameters["precision_mode"] = TRT_PRECISION[precision]
        acc.parameters["max_workspace_size_bytes"] = str(workspace_mb << 20)
        acc.parameters["trt_engine_cache_enable"] = "1"
        acc.parameters["trt_engine_cache_path"] = f"/tmp/triton_trt_cache/{opts.model_name}"
    return cfg


def to_text(cfg) -> str:
    from google.protobuf import text_format

    return text_format.MessageToString(cfg)


def parse_text(text: str):
    """config.pbtxt -> ModelConfig, with Triton's schema (unknown fields or bad values raise ParseError)."""
    from google.protobuf import text_format

    return text_format.Parse(text, schema().ModelConfig())
