"""ONNX Runtime on the CPU for any backend whose artifact holds an ONNX graph it can also run this way
(onnxruntime itself; tensorrt's reference for device-build; triton's onnxruntime models)."""
from __future__ import annotations

from pathlib import Path

from edgecompile.backends.runner_io import RunnerIO


def session(path: Path, optimize: bool = True, threads: int | None = None):
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    if threads:
        opts.intra_op_num_threads = threads
    if not optimize:
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


class OrtRunner(RunnerIO):
    """Checks feeds against the artifact's TensorSpecs when given them (else the session's own checks)."""

    def __init__(self, path: Path, inputs=None, outputs=None, threads: int | None = None):
        self.sess = session(path, threads=threads)
        self.names = [o.name for o in self.sess.get_outputs()]
        self.checked = inputs is not None
        if self.checked:
            super().__init__(inputs, outputs)
        self._run = self.sess._sess.run  # the binding itself: the Python wrapper re-checks what check() did

    def run(self, feeds):
        if not self.checked:
            return dict(zip(self.names, self.sess.run(self.names, feeds)))
        self.check(feeds)
        return dict(zip(self.names, self._run(self.names, feeds, None)))
