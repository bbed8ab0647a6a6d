"""Raise the default-domain opset to at least 13, the oldest every backend here understands."""
from __future__ import annotations

MIN_OPSET = 13


def default_opset(model) -> int:
    return next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 0)


def run(model, ctx):
    from onnx import version_converter

    old = default_opset(model)
    if old >= MIN_OPSET:
        return model, False, ""
    return version_converter.convert_version(model, MIN_OPSET), True, f"opset {old} -> {MIN_OPSET}"
