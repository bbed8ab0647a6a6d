"""Traced module -> Core ML ML program (.mlpackage) with coremltools, written with stable bytes."""
from __future__ import annotations

import contextlib
import io
import json
import sys
import uuid
from pathlib import Path

import numpy as np

COMPUTE_UNITS = ("ALL", "CPU_AND_NE", "CPU_AND_GPU", "CPU_ONLY")
TARGETS = ("iOS16", "iOS17", "iOS18", "macOS13", "macOS14", "macOS15")  # ML programs with typed I/O
PRECISION = {"fp32": "FLOAT32", "fp16": "FLOAT16", "int8": "FLOAT16"}  # int8: int8 weights over fp16 compute


@contextlib.contextmanager
def quiet():
    """coremltools draws progress bars and version warnings on stderr for every pass."""
    import warnings

    with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("ignore")
        yield


def convert(module, inputs, outputs, precision: str, units: str, target: str):
    """An ML program from `module` (traced here); I/O keep the manifest's names, shapes and float32."""
    import coremltools as ct
    import torch

    example = tuple(torch.zeros(s.shape, dtype=torch.float32) for s in inputs)
    with quiet(), torch.no_grad():
        traced = torch.jit.trace(module, example)
        return ct.convert(
            traced, convert_to="mlprogram",
            inputs=[ct.TensorType(name=s.name, shape=s.shape, dtype=np.float32) for s in inputs],
            outputs=[ct.TensorType(name=s.name, dtype=np.float32) for s in outputs],
            compute_precision=getattr(ct.precision, PRECISION[precision]),
            compute_units=getattr(ct.ComputeUnit, units),
            minimum_deployment_target=getattr(ct.target, target))


def quantize_int8(mlmodel, calib) -> tuple[object, dict]:
    """int8 weights (per channel, symmetric); int8 activations from calibration data where Core ML can predict."""
    from coremltools.optimize.coreml import OpLinearQuantizerConfig, OptimizationConfig, linear_quantize_weights

    block = {"weights": "int8, per output channel, symmetric (coremltools.optimize linear_quantize_weights)"}
    if sys.platform == "darwin" and calib:
        from coremltools.optimize.coreml.experimental import (OpActivationLinearQuantizerConfig,
                                                              linear_quantize_activations)

        with quiet():
            mlmodel = linear_quantize_activations(
                mlmodel, OptimizationConfig(global_config=OpActivationLinearQuantizerConfig(mode="linear_symmetric")),
                calib)
        block["activations"] = f"int8 from {len(calib)} calibration samples (linear_quantize_activations)"
    else:
        block["activations"] = ("float16: coremltools computes activation ranges by running the model, and Core ML "
                                "predicts only on macOS" if sys.platform != "darwin" else "float16: no calibration data")
    config = OpLinearQuantizerConfig(mode="linear_symmetric", dtype="int8", granularity="per_channel",
                                     weight_threshold=0)
    with quiet():
        return linear_quantize_weights(mlmodel, OptimizationConfig(global_config=config)), block


def save(mlmodel, path: Path) -> list[str]:
    """Save the package; its Manifest.json's random item ids become name-derived ones (same model, same bytes)."""
    with quiet():
        mlmodel.save(str(path))
    manifest = path / "Manifest.json"
    data = json.loads(manifest.read_text())
    ids = {old: str(uuid.uuid5(uuid.NAMESPACE_URL, entry["path"])) for old, entry in data["itemInfoEntries"].items()}
    data["itemInfoEntries"] = {ids[k]: v for k, v in data["itemInfoEntries"].items()}
    data["rootModelIdentifier"] = ids[data["rootModelIdentifier"]]
    manifest.write_text(json.dumps(data, indent=4, sort_keys=True) + "\n")
    return sorted(str(p.relative_to(path.parent)) for p in path.rglob("*") if p.is_file())
