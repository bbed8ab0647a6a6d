"""OpenVINO on Intel/AMD CPUs: ONNX -> OpenVINO IR (model.xml + model.bin), run on the CPU plugin.

fp32 keeps float32 weights and pins the plugin's inference precision to f32 (CPUs with bf16 or
AMX units otherwise default to bf16, which is not fp32). fp16 stores weights compressed to float16
(`save_model(compress_to_fp16=True)`); the plugin decompresses them and computes at its default
precision. int8: see int8.py (NNCF by default, u8-activation QDQ selectable by the option
`int8_method`).
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from edgecompile.backends.base import (Backend, BackendInfo, CompileContext, CompileResult, Option, SupportReport,
                                       Tolerance, UnsupportedNode)
from edgecompile.backends.runner_io import RunnerIO
from edgecompile.core import flavor
from edgecompile.core.options import BATCH
from edgecompile.errors import CalibrationError, MissingExtraError, UsageError

XML, BIN = "model.xml", "model.bin"
HINTS = ("LATENCY", "THROUGHPUT", "CUMULATIVE_THROUGHPUT")
PRECISION_HINTS = ("f32", "bf16", "f16")


def _ov():
    try:
        import openvino
    except ImportError as e:
        raise MissingExtraError("openvino", "openvino", str(e)) from e
    return openvino


def _onnx_file(model, folder: Path) -> Path:
    """OpenVINO's ONNX frontend reads files; write the normalized graph once."""
    import onnx

    path = folder / "normalized.onnx"
    onnx.save(model, str(path))
    return path


def _raw_infer(request):
    """request.infer without the Python wrapper's input dispatch and OVDict (measured ~5 us of ~135 on KWS):
    the compiled binding, told there is nothing to set and to share (not copy) its result arrays."""
    try:
        from openvino._pyopenvino import InferRequest
    except ImportError:  # another layout of the package: the public call
        return request.infer
    infer, nothing = InferRequest.infer, {}
    return lambda: infer(request, nothing, True, False)


class OvRunner(RunnerIO):
    """One compiled model and one infer request; feeds and results keyed by the ONNX tensor names."""

    def __init__(self, xml: Path, config: dict[str, str], inputs, outputs, device: str = "CPU"):
        super().__init__(inputs, outputs)
        ov = _ov()
        core = ov.Core()
        self.compiled = core.compile_model(core.read_model(str(xml)), device, config)
        self.request = self.compiled.create_infer_request()
        index = {name: i for i, port in enumerate(self.compiled.inputs) for name in port.get_names()}
        # the request's own input buffers, written in place: no Tensor object per call (measured ~1 us each;
        # the dict form of infer() wraps results in an OVDict, 25-40 us)
        # (a dynamic input's buffer has no size until a shape is set: it is handed over per call instead)
        self._in = [(s.name, self.request.get_input_tensor(index[s.name]).data) for s in self.inputs
                    if s.name not in self._dynamic]
        self._in_dynamic = [(s.name, index[s.name]) for s in self.inputs if s.name in self._dynamic]
        out_index = {name: i for i, port in enumerate(self.compiled.outputs) for name in port.get_names()}
        self._out = [(s.name, out_index[s.name]) for s in self.outputs]
        self._infer, self._get = _raw_infer(self.request), self.request.get_output_tensor
        self._tensor = ov.Tensor

    def run(self, feeds):
        self.check(feeds)
        for name, buf in self._in:
            buf[...] = feeds[name]
        for name, i in self._in_dynamic:
            self.request.set_input_tensor(i, self._tensor(np.ascontiguousarray(feeds[name])))
        self._infer()
        return {name: self._get(i).data.copy() for name, i in self._out}

    @property
    def inference_precision(self) -> str:
        t = self.compiled.get_property("INFERENCE_PRECISION_HINT")
        return t.get_type_name() if hasattr(t, "get_type_name") else str(t)  # "f32", "bf16", "f16"


def runtime_config(precision: str, options: dict) -> dict[str, str]:
    """CPU plugin properties for an artifact: the profile's hint, f32 math for fp32 artifacts."""
    hint = str(options.get("performance_hint", "LATENCY")).upper()
    if hint not in HINTS:
        raise UsageError(f"openvino option performance_hint='{hint}': choose {', '.join(HINTS)}.")
    config = {"PERFORMANCE_HINT": hint}
    inf = options.get("inference_precision") or ("f32" if precision == "fp32" else None)
    if inf is not None:
        if inf not in PRECISION_HINTS:
            raise UsageError(f"openvino option inference_precision='{inf}': choose {', '.join(PRECISION_HINTS)}.")
        if precision == "fp32" and inf != "f32":
            raise UsageError("openvino fp32 artifacts compute in f32; drop inference_precision or build fp16.")
        config["INFERENCE_PRECISION_HINT"] = inf
    if "num_streams" in options:
        config["NUM_STREAMS"] = str(options["num_streams"])
    return config


class OpenVinoBackend(Backend):
    info = BackendInfo(
        name="openvino",
        summary="OpenVINO IR on the CPU plugin (Intel/AMD x86-64)",
        precisions=("fp32", "fp16", "int8"),
        extra="openvino",
        tolerances={
            # same math as the reference, other kernels (summation order, Winograd): a few ulp
            "fp32": Tolerance(max_rel_err=1e-4),
            # fp16 weights, computed in the plugin's bf16/f16 (8-11 mantissa bits): direction and
            # class decisions must survive, values need not
            "fp16": Tolerance(min_cosine=0.995, min_top1=0.9),
            # static int8 on small CNNs: same bound as onnxruntime's int8
            "int8": Tolerance(min_cosine=0.98, min_top1=0.85),
        },
        default_profile="intel-cpu",
    )
    options = (
        Option("performance_hint", str, "LATENCY", "CPU plugin hint: one stream for latency, several for throughput",
               choices=HINTS),
        Option("inference_precision", str, None, "plugin math precision (fp32 artifacts always use f32)",
               choices=PRECISION_HINTS),
        Option("num_streams", int, None, "CPU plugin streams (default: the hint decides)", minimum=1),
        Option("threads", int, None, "CPU plugin inference threads when loaded (default: the plugin's)", minimum=1),
        Option("int8_method", str, "qdq", "int8 from the shared range table (qdq) or NNCF's own PTQ (nncf)",
               choices=("qdq", "nncf")),
        BATCH,
    )
    int8_flavor = flavor.U8  # its CPU plugin refuses signed int8 activations

    def available(self):
        try:
            import openvino
        except ImportError as e:
            return False, f"openvino is not installed ({e})"
        return True, openvino.__version__

    def check(self, model, precision="fp32") -> SupportReport:
        """Nodes the ONNX frontend cannot convert, then nodes the CPU plugin cannot run."""
        ov = _ov()
        report = SupportReport(self.info.name)
        by_name = {n.name: n for n in model.graph.node if n.name}
        by_output = {o: n for n in model.graph.node for o in n.output}
        with tempfile.TemporaryDirectory() as tmp:
            fe = ov.frontend.FrontEndManager().load_by_framework("onnx")
            partial = fe.convert_partially(fe.load(str(_onnx_file(model, Path(tmp)))))
        unconverted = [op for op in partial.get_ordered_ops() if "FrameworkNode" in op.get_type_name()]
        for op in unconverted:
            # the frontend names a node after the ONNX node, or after its output when that is a graph output
            outs = [name for port in op.outputs() for name in port.get_names()]
            node = by_name.get(op.get_friendly_name()) or next((by_output[o] for o in outs if o in by_output), None)
            if node is None:
                op_type, name = "?", op.get_friendly_name()
            else:
                op_type, name = f"{node.domain + '::' if node.domain else ''}{node.op_type}", node.name or node.output[0]
            report.unsupported.append(UnsupportedNode(
                op_type, name, f"OpenVINO {ov.__version__}'s ONNX frontend has no conversion for {op_type}"))
        if unconverted:
            return report
        placed = ov.Core().query_model(partial, "CPU")
        for op in partial.get_ordered_ops():
            name = op.get_friendly_name()
            if op.get_type_name() not in ("Parameter", "Result", "Constant") and name not in placed:
                report.unsupported.append(UnsupportedNode(
                    op.get_type_name(), name, f"the OpenVINO CPU plugin has no kernel for {op.get_type_name()}"))
        return report

    def compile(self, ctx: CompileContext) -> CompileResult:
        from edgecompile.core.graph import io_specs
        from edgecompile.backends.openvino import int8

        ov = _ov()
        if ctx.precision not in self.info.precisions:
            raise UsageError(f"openvino has no precision '{ctx.precision}' (choose {', '.join(self.info.precisions)}).")
        config = runtime_config(ctx.precision, ctx.options)  # validate options before any work
        if ctx.precision == "int8":
            config.update(int8.dense_chain_config(ctx.model))
        inputs, outputs = io_specs(ctx.model)
        extra: dict = {"device": "CPU", "runtime_config": config}
        with tempfile.TemporaryDirectory() as tmp:
            src = _onnx_file(ctx.model, Path(tmp))
            if ctx.precision == "int8" and ctx.prequantized:
                import onnx

                from edgecompile.quant.u8_activations import to_u8_activations

                qdq = Path(tmp) / "qdq.onnx"
                onnx.save(to_u8_activations(ctx.model), str(qdq))
                ov_model = ov.convert_model(str(qdq))
                extra["int8_ranges"] = "the source model's own scales (s8 activations shifted to u8)"
                extra["int8_method"] = "prequantized"
            elif ctx.precision == "int8":
                method = str(ctx.options.get("int8_method", int8.DEFAULT_METHOD))
                if not ctx.calib and not (method == "qdq" and ctx.ranges is not None):
                    raise CalibrationError("openvino int8 needs calibration data: pass --calib (a .npy/.npz, 'digits', or 'random').")
                if method == "qdq":
                    qdq = Path(tmp) / "qdq.onnx"
                    if ctx.ranges is not None:
                        int8.qdq_from_table(ctx.model, ctx.ranges, qdq, self.int8_flavor)
                        extra["int8_ranges"] = f"shared range table (edgecompile.quant, flavor {self.int8_flavor.name})"
                    else:
                        int8.qdq_u8_onnx(ctx.model, ctx.calib, qdq)
                        extra["int8_ranges"] = "onnxruntime quantize_static MinMax on the calibration feeds"
                    ov_model = ov.convert_model(str(qdq))
                else:
                    if ctx.ranges is not None and ctx.ranges.keep_float:
                        raise UsageError("openvino int8_method='nncf' cannot keep layers in float for the accuracy "
                                         "guard; use int8_method='qdq'.")
                    ov_model = int8.nncf_quantize(ov.convert_model(str(src)), ctx.calib, [s.name for s in inputs])
                    extra["int8_ranges"] = "NNCF statistics on the calibration feeds"
                extra["int8_method"] = method
            else:
                ov_model = ov.convert_model(str(src))
            compress = ctx.precision == "fp16"
            ov.save_model(ov_model, str(ctx.out_dir / XML), compress_to_fp16=compress)
        extra["weights"] = "float16 (compressed)" if compress else ("int8" if ctx.precision == "int8" else "float32")
        versions = {"openvino": ov.__version__}
        if ctx.precision == "int8" and extra["int8_method"] == "nncf":
            import nncf

            versions["nncf"] = nncf.__version__
        return CompileResult(files=[XML, BIN], inputs=inputs, outputs=outputs, tool_versions=versions, extra=extra)

    def load(self, artifact):
        details = artifact.manifest.get("backend_details") or {}
        config = details.get("runtime_config") or runtime_config(artifact.precision, {})
        threads = artifact.manifest.get("options", {}).get("threads")
        if threads:
            config = {**config, "INFERENCE_NUM_THREADS": str(threads)}
        return OvRunner(artifact.file(XML), config, artifact.inputs, artifact.outputs, details.get("device", "CPU"))
