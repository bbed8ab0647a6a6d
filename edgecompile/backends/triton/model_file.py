"""The model file in REPO/<name>/1/ for each Triton backend and precision."""
from __future__ import annotations

from pathlib import Path

from edgecompile.errors import CalibrationError

from edgecompile.core import flavor

# int8 flavor per serving runtime: OpenVINO's CPU plugin wants u8 activations, TensorRT symmetric s8 with
# float biases, ONNX Runtime asymmetric s8
INT8_FLAVOR = {"onnxruntime": flavor.S8, "openvino": flavor.U8, "tensorrt": flavor.TENSORRT}


def graph(ctx, triton_backend: str):
    """The ONNX graph to serve: fp16 (ONNX Runtime) converts weights and activations, keeping float32 I/O;
    tensorrt fp16 stays float32 (TensorRT's precision_mode picks half kernels); int8 is QDQ."""
    if ctx.precision == "int8":
        from edgecompile.quant.qdq import is_quantized, quantize

        if is_quantized(ctx.model):
            return ctx.model
        if ctx.ranges is None:
            raise CalibrationError("triton int8 needs calibration data: pass --calib (a .npy/.npz, 'digits', or 'random').")
        return quantize(ctx.model, ctx.ranges, INT8_FLAVOR[triton_backend])
    if ctx.precision == "fp16" and triton_backend == "onnxruntime":
        from onnxruntime.transformers.float16 import convert_float_to_float16

        return convert_float_to_float16(ctx.model, keep_io_types=True)
    return ctx.model


def write(ctx, triton_backend: str, version_dir: Path) -> tuple[list[str], dict]:
    """Write the model into version_dir; (file names in it, tool versions)."""
    import onnx

    model = graph(ctx, triton_backend)
    model.producer_name, model.producer_version = "edgecompile", ""
    version_dir.mkdir(parents=True)
    if triton_backend != "openvino":
        onnx.save(model, str(version_dir / "model.onnx"))
        return ["model.onnx"], {"onnx": onnx.__version__}
    try:
        import openvino as ov
    except ImportError as e:
        from edgecompile.errors import MissingExtraError

        raise MissingExtraError("triton", "openvino", f"triton_backend=openvino needs openvino: {e}") from e
    src = version_dir / "source.onnx"  # convert_model reads external weights from a file path
    onnx.save(model, str(src))
    try:
        ov.save_model(ov.convert_model(str(src)), str(version_dir / "model.xml"),
                      compress_to_fp16=ctx.precision == "fp16")
    finally:
        src.unlink()
    return ["model.xml", "model.bin"], {"openvino": ov.__version__}
