"""Run a .tflite artifact: LiteRT's interpreter (XNNPACK on CPU), else tflite-runtime, else TensorFlow's."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from edgecompile.backends.runner_io import RunnerIO


def interpreter_class() -> tuple[type, str]:
    """(Interpreter class, which package): the first of the three runtimes that imports."""
    try:
        from ai_edge_litert.interpreter import Interpreter

        return Interpreter, "ai-edge-litert"
    except ImportError:
        pass
    try:
        from tflite_runtime.interpreter import Interpreter

        return Interpreter, "tflite-runtime"
    except ImportError:
        pass
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import warnings

    import tensorflow as tf

    warnings.filterwarnings("ignore", message=".*tf.lite.Interpreter is deprecated.*")
    return tf.lite.Interpreter, "tensorflow"


def runtime_version() -> tuple[str, str]:
    """(package, version) of the interpreter this machine uses."""
    from importlib.metadata import PackageNotFoundError, version

    _, pkg = interpreter_class()
    try:
        return pkg, version(pkg if pkg != "tensorflow" else "tensorflow-cpu")
    except PackageNotFoundError:
        return pkg, version("tensorflow") if pkg == "tensorflow" else "unknown"


def make_interpreter(path: Path, threads: int | None = None, reference_kernels: bool = False):
    """An allocated interpreter. reference_kernels: TFLite's reference integer arithmetic, no XNNPACK."""
    cls, pkg = interpreter_class()
    kwargs = {"model_path": str(path)}
    if threads:
        kwargs["num_threads"] = threads
    if reference_kernels:
        if pkg == "ai-edge-litert":
            from ai_edge_litert.interpreter import OpResolverType
        elif pkg == "tflite-runtime":
            from tflite_runtime.interpreter import OpResolverType
        else:
            import tensorflow as tf

            OpResolverType = tf.lite.experimental.OpResolverType
        kwargs["experimental_op_resolver_type"] = OpResolverType.BUILTIN_REF
    from edgecompile.core.quiet import quiet

    with quiet():  # "Created TensorFlow Lite XNNPACK delegate for CPU." on every load
        it = cls(**kwargs)
        it.allocate_tensors()
    return it


class TFLiteRunner(RunnerIO):
    """Feeds and results keyed by the reference ONNX names; `names` maps them to the .tflite's tensors."""

    def __init__(self, path: Path, names: dict[str, dict[str, str]], inputs, outputs, threads: int | None = None,
                 reference_kernels: bool = False):
        super().__init__(inputs, outputs)
        self.it = make_interpreter(path, threads, reference_kernels)
        by_name = {d["name"]: d for d in self.it.get_input_details() + self.it.get_output_details()}
        for s in self.inputs:  # the manifest and the file must agree, else check() would let bad feeds through
            d = by_name[names["inputs"][s.name]]
            if tuple(d["shape"]) != tuple(s.shape) or np.dtype(d["dtype"]) != np.dtype(s.dtype):
                raise ValueError(f"input '{s.name}': the manifest says {s.dtype} {s.shape}, the .tflite "
                                 f"{np.dtype(d['dtype']).name} {tuple(d['shape'])}")
        self._set = [(n, by_name[t]["index"]) for n, t in names["inputs"].items()]
        self._get = [(n, by_name[t]["index"]) for n, t in names["outputs"].items()]
        self._set_tensor, self._invoke, self._get_tensor = self.it.set_tensor, self.it.invoke, self.it.get_tensor

    def run(self, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        self.check(feeds)
        for name, idx in self._set:
            self._set_tensor(idx, feeds[name])
        self._invoke()
        # get_tensor copies: results stay valid after the next invoke
        return {name: self._get_tensor(idx) for name, idx in self._get}
