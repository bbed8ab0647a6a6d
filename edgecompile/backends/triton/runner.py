"""Running a repository's model on this machine, with the runtime its Triton backend embeds (CPU)."""
from __future__ import annotations

from pathlib import Path

from edgecompile.backends.ort_session import OrtRunner


class OvRunner:
    def __init__(self, path: Path):
        import openvino as ov

        # the CPU plugin may pick bf16 by itself; config.pbtxt pins f32 math (fp16 = compressed weights), as here
        self.model = ov.Core().compile_model(str(path), "CPU", {"INFERENCE_PRECISION_HINT": "f32"})
        self.names = [o.get_any_name() for o in self.model.outputs]

    def run(self, feeds):
        res = self.model(feeds)
        return {n: res[o] for n, o in zip(self.names, self.model.outputs)}


def runner(path: Path, triton_backend: str):
    return OvRunner(path) if triton_backend == "openvino" else OrtRunner(path)
