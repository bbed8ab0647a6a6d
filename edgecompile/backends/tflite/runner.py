"""Run a .tflite artifact: LiteRT's interpreter (XNNPACK on CPU), else tflite-runtime, else TensorFlow's."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np


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


class TFLiteRunner:
    """Feeds and results keyed by the reference ONNX names; `names` maps them to the .tflite's tensors."""

    def __init__(self, path: Path, names: dict[str, dict[str, str]], threads: int | None = None,
                 reference_kernels: bool = False):
        self.it = make_interpreter(path, threads, reference_kernels)
        by_name = {d["name"]: d for d in self.it.get_input_details() + self.it.get_output_details()}
        self.inputs = [(onnx_name, by_name[t]) for onnx_name, t in names["inputs"].items()]
        self.outputs = [(onnx_name, by_name[t]["index"]) for onnx_name, t in names["outputs"].items()]

    def run(self, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        for name, d in self.inputs:
            x = np.asarray(feeds[name])
            if x.dtype != d["dtype"] or tuple(x.shape) != tuple(d["shape"]):
                raise ValueError(f"input '{name}': got {x.dtype} {tuple(x.shape)}, the .tflite wants "
                                 f"{np.dtype(d['dtype']).name} {tuple(d['shape'])}")
            self.it.set_tensor(d["index"], np.ascontiguousarray(x))
        self.it.invoke()
        # get_tensor copies: results stay valid after the next invoke
        return {name: self.it.get_tensor(idx) for name, idx in self.outputs}
