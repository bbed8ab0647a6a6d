"""edgecompile: one normalized ONNX graph, many verified target artifacts.

Python API mirroring the CLI (heavy imports happen inside the calls):

    import edgecompile
    report = edgecompile.build("model.onnx", targets=["onnxruntime"], precisions=["fp32"])
    runner = edgecompile.load(report.artifacts()[0].path)
    outputs = runner.run({"input": x})
"""
from __future__ import annotations

__version__ = "0.1.0"


def build(model, targets, **kwargs):
    """See `edgecompile build --help`; returns a BuildReport."""
    from edgecompile.auto import build as _build  # targets ["auto"]: the fastest verified artifact here

    return _build(model, targets, **kwargs)


def load(path):
    """Open an artifact folder and return a Runner with `.run({name: array}) -> {name: array}`."""
    from edgecompile.artifact import Artifact

    return Artifact.open(path).load()


def inspect(model, **kwargs):
    """See `edgecompile inspect --help`; returns the report as a dict."""
    from edgecompile.inspection import inspect_model

    return inspect_model(model, **kwargs)
