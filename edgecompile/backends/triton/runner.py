"""Running a repository's model on this machine, with the runtime its Triton backend embeds (CPU)."""
from __future__ import annotations

from pathlib import Path


class OrtRunner:
    def __init__(self, path: Path):
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.log_severity_level = 3
        self.sess = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        self.names = [o.name for o in self.sess.get_outputs()]

    def run(self, feeds):
        return dict(zip(self.names, self.sess.run(self.names, feeds)))


class OvRunner:
    def __init__(self, path: Path, precision: str):
        import openvino as ov

        # this CPU may pick bf16 by itself; fp32 artifacts are checked in f32, as Triton's config would pin
        config = {"INFERENCE_PRECISION_HINT": "f32"} if precision == "fp32" else {}
        self.model = ov.Core().compile_model(str(path), "CPU", config)
        self.names = [o.get_any_name() for o in self.model.outputs]

    def run(self, feeds):
        res = self.model(feeds)
        return {n: res[o] for n, o in zip(self.names, self.model.outputs)}


def runner(path: Path, triton_backend: str, precision: str):
    return OvRunner(path, precision) if triton_backend == "openvino" else OrtRunner(path)
